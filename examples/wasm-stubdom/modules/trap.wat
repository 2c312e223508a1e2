;; trap.wat: a module that says what it does, then traps (unreachable): the wasm stubdom
;; reports the trap and powers off cleanly.
(module
  (import "minios" "print" (func $print (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "wasm: about to trap\n")
  (func (export "main") (result i32)
    (call $print (i32.const 0) (i32.const 20))
    unreachable))
