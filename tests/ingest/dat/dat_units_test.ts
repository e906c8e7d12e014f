import { deepEqual, equal, ok } from "node:assert/strict";
import { formatInt, formatPointer, formatString, spec } from "../../../src/ingest/dat/c_printf.ts";
import {
  FieldFlag,
  parseEventFormat,
  parseFieldLine,
} from "../../../src/ingest/dat/event_format.ts";
import { Tok, Tokenizer } from "../../../src/ingest/dat/fmt_tokens.ts";
import { Kallsyms } from "../../../src/ingest/dat/kallsyms.ts";
import { CommTable } from "../../../src/ingest/dat/comm_table.ts";
import { testFormats } from "./test_formats.ts";

Deno.test("kallsyms: containing symbol, libtraceevent's choice among aliases, no absolute symbols", () => {
  const k = new Kallsyms(
    "ffffffff81000000 T _stext\nffffffff81000000 T startup_64\nffffffff81000100 t helper\n" +
      "ffffffff81000200 A abs_sym\nffffffff81000300 T $x\nffffffffc0000000 t mod_fn\t[kvm]\n",
  );
  equal(k.size, 4);
  equal(k.find(0xffffffff81000000n)?.name, "_stext"); // as trace-cmd picks (its binary search)
  deepEqual(k.find(0xffffffff81000123n), { name: "helper", addr: 0xffffffff81000100n });
  equal(k.find(0xffffffff80000000n), undefined);
  equal(k.find(0xffffffffc0000000n)?.name, "mod_fn");
  equal(k.find(0xffffffffc0000001n), undefined); // past the last symbol: exact match only
  equal(k.addressOf("helper"), 0xffffffff81000100n);
});

Deno.test("c_printf: glibc's integer, string and pointer output", () => {
  equal(formatInt(spec("%d"), 0xffffffffn, 32), "-1");
  equal(formatInt(spec("%u"), 0xffffffffn, 32), "4294967295");
  equal(formatInt(spec("%08x"), 0xabcn, 32), "00000abc");
  equal(formatInt(spec("%-6d|"), 0xfffffffbn, 32), "-5    ");
  equal(formatInt(spec("%#x"), 0n, 32), "0");
  equal(formatInt(spec("%#o"), 8n, 32), "010");
  equal(formatInt(spec("%.0d"), 0n, 32), "");
  equal(formatInt(spec("%*d"), 7n, 32, -4), "7   ");
  equal(formatInt(spec("%hhd"), 0x1ffn, 8), "-1");
  equal(formatString(spec("%.*s"), "abcdef", 2), "ab");
  equal(formatPointer(spec("%p"), 0n), "(nil)");
  equal(formatPointer(spec("%p"), 0x1234n), "0x1234");
});

Deno.test("event_format: field flags follow libtraceevent", () => {
  const f = (decl: string, size = 4) =>
    parseFieldLine(`\tfield:${decl};\toffset:8;\tsize:${size};\tsigned:0;`, 8)!;
  equal(f("char comm[16]", 16).flags, FieldFlag.ARRAY | FieldFlag.STRING);
  equal(f("char comm[16]", 16).elementsize, 1);
  const dyn = f("__data_loc char[] name");
  equal(dyn.name, "name");
  equal(dyn.type, "__data_loc char[]");
  equal(dyn.flags, FieldFlag.ARRAY | FieldFlag.STRING | FieldFlag.DYNAMIC);
  equal(f("const char * p", 8).flags, FieldFlag.POINTER);
  equal(f("unsigned long caller[8]", 64).flags, FieldFlag.ARRAY | FieldFlag.LONG);
  equal(f("__u8 insn[15]", 15).flags & FieldFlag.STRING, FieldFlag.STRING);
  equal(f("__rel_loc u8[] buf").flags & FieldFlag.RELATIVE, FieldFlag.RELATIVE);
  equal(
    parseFieldLine("\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;", 8)!.flags,
    FieldFlag.SIGNED,
  );
  const ev = parseEventFormat(testFormats(8).systems[0].formats[0], "sched", 8)!;
  equal(ev.name, "sched_switch");
  equal(ev.commonFields.length, 4);
  equal(ev.fields.length, 7);
  ok(ev.printFmt?.includes("prev_comm=%s"));
  equal(parseEventFormat("garbage", "x", 8), undefined);
});

Deno.test("fmt_tokens: libtraceevent's operators and joined strings", () => {
  const tz = new Tokenizer(`REC->a >>= 2 && "x" "y" 'c' !=`);
  const got: [Tok, string][] = [];
  for (let t = tz.next(); t !== Tok.NONE; t = tz.next()) got.push([t, tz.text]);
  deepEqual(got, [
    [Tok.ITEM, "REC"],
    [Tok.OP, "->"],
    [Tok.ITEM, "a"],
    [Tok.OP, ">>="],
    [Tok.ITEM, "2"],
    [Tok.OP, "&&"],
    [Tok.DQUOTE, "xy"],
    [Tok.SQUOTE, "c"],
    [Tok.OP, "!="],
  ]);
});

Deno.test("comm_table: saved cmdlines, <idle>, <...> and learning only new pids", () => {
  const c = new CommTable();
  c.load("12 bash\n13 CPU 0/KVM\n");
  equal(c.comm(0), "<idle>");
  equal(c.comm(13), "CPU 0/KVM");
  equal(c.comm(99), "<...>");
  c.learn(13, "other");
  c.learn(99, "late");
  equal(c.comm(13), "CPU 0/KVM");
  equal(c.comm(99), "late");
});
