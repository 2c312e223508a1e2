// hello.ts: the wasm stubdom's sample in AssemblyScript, a TypeScript-like language that
// compiles to WebAssembly (`npx asc hello.ts --runtime stub --use abort= -o hello.wasm`).
// It greets with its domain's name, counts down with timers, waits for dom0 to write
// data/wasm/poke, answers in data/wasm/reply and exits with the length of what it got.

@external("minios", "print")
declare function print_raw(ptr: usize, len: usize): void;
@external("minios", "xs_read")
declare function xs_read_raw(path: usize, pathLen: usize, buf: usize, cap: usize): i32;
@external("minios", "xs_write")
declare function xs_write_raw(path: usize, pathLen: usize, val: usize, valLen: usize): i32;
@external("minios", "xs_watch")
declare function xs_watch_raw(path: usize, pathLen: usize, timeoutMs: u32): i32;
@external("minios", "sleep_ms")
declare function sleep_ms(ms: u32): void;
@external("minios", "exit")
declare function exit(code: i32): void;

function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function print(s: string): void {
  const b = utf8(s);
  print_raw(changetype<usize>(b), b.byteLength);
}

function read(path: string): string | null {
  const p = utf8(path);
  const buf = new ArrayBuffer(256);
  const n = xs_read_raw(changetype<usize>(p), p.byteLength, changetype<usize>(buf), 256);
  if (n < 0) return null;
  return String.UTF8.decodeUnsafe(changetype<usize>(buf), n);
}

function write(path: string, value: string): i32 {
  const p = utf8(path);
  const v = utf8(value);
  return xs_write_raw(changetype<usize>(p), p.byteLength, changetype<usize>(v), v.byteLength);
}

function watch(path: string, timeoutMs: u32): i32 {
  const p = utf8(path);
  return xs_watch_raw(changetype<usize>(p), p.byteLength, timeoutMs);
}

export function main(): i32 {
  const name = read("name");
  print("as: hello from AssemblyScript in " + (name === null ? "an unnamed domain" : name) + "\n");
  for (let i = 3; i > 0; i--) {
    print("as: " + i.toString() + "\n");
    sleep_ms(100);
  }
  // Read, then watch: a poke that came before the watch was set is not missed.
  let poke = read("data/wasm/poke");
  for (let tries = 0; poke === null && tries < 60; tries++) {
    watch("data/wasm/poke", 1000);
    poke = read("data/wasm/poke");
  }
  if (poke === null) {
    print("as: nobody poked\n");
    exit(1);
  }
  const got = poke === null ? "" : poke;
  write("data/wasm/reply", "as got " + got);
  // Linger so that dom0 reads the answer before the domain is gone.
  sleep_ms(500);
  print("as: poked with " + got + ", exiting with " + got.length.toString() + "\n");
  return got.length;
}
