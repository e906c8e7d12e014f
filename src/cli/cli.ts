/**
 * The whole command line: one subcommand per job. main.ts runs it; tests
 * parse the help's examples with it.
 *
 * @module
 */

import { or } from "@optique/core";
import { analyzeCommand } from "./analyze_command.ts";
import { eventsCommand } from "./events_command.ts";
import { exploreCommand } from "./explore_command.ts";
import { exportCommand } from "./export_command.ts";
import { lintCommand } from "./lint_command.ts";
import { modelCommand } from "./model_command.ts";
import { recordCommand } from "./record_command.ts";
import { replayCommand } from "./replay_command.ts";
import { reportCommand } from "./report_command.ts";
import { simulateCommand } from "./simulate_command.ts";
import { statsCommand } from "./stats_command.ts";

/** Every subcommand's parser, tried in this order. */
export const cli = or(
  lintCommand,
  replayCommand,
  analyzeCommand,
  eventsCommand,
  statsCommand,
  modelCommand,
  exploreCommand,
  simulateCommand,
  recordCommand,
  exportCommand,
  reportCommand,
);

/** The name of every subcommand (besides optique's `help` and `completion`), in `cli`'s order. */
export const COMMAND_NAMES: readonly string[] = [
  "lint",
  "replay",
  "analyze",
  "events",
  "stats",
  "model",
  "explore",
  "simulate",
  "record",
  "export",
  "report",
];
