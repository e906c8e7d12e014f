import { equal } from "node:assert/strict";
import { render } from "./render_helper.ts";

const C: [string, number, number, 0 | 1] = ["int c", 4, 4, 1];
const H: [string, number, number, 0 | 1] = ["u64 h", 8, 8, 0];

Deno.test("fmt: integer conversions follow C printf on the cast value", () => {
  equal(
    render(
      [C, H],
      `"%zu|%zd|%Lu|%#x|%#o|%05d|%.3d|%-5u|%lld", REC->h, REC->c, REC->c, REC->c, REC->c, REC->c, REC->c, REC->c, REC->c`,
      {
        c: -42,
        h: -1n,
      },
    ),
    "18446744073709551615|4294967254|4294967254|0xffffffd6|037777777726|-0042|-042|4294967254|4294967254",
  );
  equal(
    render([C], `"%hhx|%hhd|%hx|%llu|%lx|%X", REC->c, REC->c, REC->c, REC->c, REC->c, REC->c`, {
      c: -42,
    }),
    "d6|-42|ffd6|4294967254|ffffffd6|FFFFFFD6",
  );
});

Deno.test("fmt: libtraceevent 1.7 has no + or space flag and no %c", () => {
  equal(render([C], `"%+d|% d|%c|%d", REC->c, REC->c`, { c: 7 }), ">+<d|> <d|>c<|7");
});

Deno.test("fmt: strings, widths and precision", () => {
  equal(
    render([C], `"%s|%10s|%-10s|%.2s|", "abc", "abc", "abc", "abc"`, { c: 0 }),
    "abc|       abc|abc       |ab|",
  );
  equal(
    render([["char name[4]", 4, 1, 0], C], `"[%s]", REC->name`, { name: "abcd", c: 1 }),
    "[abcd]",
  );
  equal(
    render([["__data_loc char[] s", 4, 4, 0], C], `"[%s]", __get_str(s)`, { s: "hello", c: 1 }),
    "[hello]",
  );
  equal(
    render([["__data_loc char[] s", 4, 4, 0], C], `"[%s]", __get_str(s)`, { s: "", c: 1 }),
    "[]",
  );
});

Deno.test("fmt: %pS symbolizes with the offset, %ps without, %p is glibc's", () => {
  const F: [string, number, number, 0 | 1][] = [["void * a", 8, 8, 0], ["void * b", 8, 8, 0]];
  equal(
    render(F, `"%pS %ps %p %p", REC->a, REC->a, REC->b, REC->a`, { a: 0xffffffff81003020n, b: 0n }),
    "on_each_cpu_cond_mask+0x20 on_each_cpu_cond_mask (nil) 0xffffffff81003020",
  );
  equal(render(F, `"%pS", REC->a`, { a: 0x1234n, b: 0n }), "0x1234");
});

Deno.test("fmt: __print_flags and __print_symbolic as libtraceevent evaluates them", () => {
  const flags =
    `"%s|%s|%d", __print_flags(REC->c, "|", {0, "ZERO"}, {1, "ONE"}), __print_flags(REC->h, "", {-1, "ALL"}, {2, "TWO"}), REC->c`;
  equal(render([C, H], flags, { c: 0, h: 0n }), "|ALL|0");
  equal(render([C, H], flags, { c: 3, h: 6n }), "ONE|0x2|TWO0x4|3");
  const sym =
    `"%s|%s", __print_symbolic(REC->c, {0, "ZERO"}, {-42, "NEG"}), __print_symbolic(REC->h, {-1, "ALL"}, {2, "TWO"})`;
  equal(render([C, H], sym, { c: -42, h: -1n }), "0xffffffd6|ALL");
});

Deno.test("fmt: operators of equal priority group to the right, as in libtraceevent", () => {
  const F: [string, number, number, 0 | 1][] = [["u32 x", 4, 4, 0], ["u32 y", 4, 4, 0], [
    "u32 z",
    4,
    4,
    0,
  ]];
  equal(
    render(
      F,
      `"%u %u %u %u %u", REC->x - REC->y - REC->z, REC->x * REC->y / REC->z, REC->x >> 2 & 3, REC->x > REC->y ? REC->x : REC->y + 1, ~REC->x & 0xff`,
      {
        x: 111,
        y: 7,
        z: 3,
      },
    ),
    "107 222 3 112 144",
  );
});

Deno.test("fmt: sizeof, arrays and masks", () => {
  equal(
    render([C], `"%d %d %d", sizeof(int), sizeof(unsigned long), sizeof(REC->c)`, { c: 0 }),
    "4 8 4",
  );
  equal(render([C], `"%d", sizeof(u16)`, { c: 5 }), "[FAILED TO PARSE] c=5");
  const arr = new Uint8Array([
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    3,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  equal(
    render(
      [["unsigned long arr[3]", 24, 8, 0], C],
      `"[%lu %lu] %s", REC->arr[1], ((unsigned int *)REC->arr)[1], __print_array(REC->arr, 3, 8)`,
      { arr, c: 1 },
    ),
    "[12884901890 2] 1 12884901890 0",
  );
  const bits = new Uint8Array([1, 2, 3, 0, 0, 0, 0, 128, 5, 0, 0, 0, 0, 0, 0, 0]);
  equal(
    render([["__data_loc unsigned long[] bits", 4, 4, 0], C], `"[%s]", __get_bitmask(bits)`, {
      bits,
      c: 1,
    }),
    "[00000000,00000005,80000000,00030201]",
  );
  const mask = new Uint8Array([0b1011_0111, 0, 1, 0, 0, 0, 0, 0]);
  equal(
    render([["__data_loc cpumask_t m", 4, 4, 0], C], `"%s", __get_cpumask(m)`, { m: mask, c: 1 }),
    "0-2,4-5,7,16",
  );
});

Deno.test("fmt: formats libtraceevent cannot use print the raw fields", () => {
  const F: [string, number, number, 0 | 1][] = [["int x", 4, 4, 1], ["char tag[4]", 4, 1, 0], [
    "void * p",
    8,
    8,
    0,
  ]];
  equal(
    render(F, `"x=%d", unknown_fn(REC->x)`, { x: -3, tag: "ab\u0001", p: 0x10n }),
    "[FAILED TO PARSE] x=-3 tag=ARRAY[61, 62, 01, 00] p=0x10",
  );
  equal(render([["u32 x", 4, 4, 0]], `"x=%u y=%u", REC->x`, { x: 4 }), "[FAILED TO PARSE] x=4");
  equal(
    render([["__data_loc u8[] b", 4, 4, 0], C], `"[%d]", __get_dynamic_array(b)[1]`, {
      b: new Uint8Array([1, 2, 3]),
      c: 1,
    }),
    "[FAILED TO PARSE] b=ARRAY[01, 02, 03] c=1",
  );
});

Deno.test("fmt: a 4-byte %s 'pointer' is read unswapped in big-endian files (libtraceevent quirk)", () => {
  equal(
    render(
      [["u32 x", 4, 4, 0], ["u32 y", 4, 4, 0]],
      `"%s %d", REC->x, REC->y`,
      { x: 12, y: 2 },
      true,
      4,
    ),
    "c000000 2",
  );
});
