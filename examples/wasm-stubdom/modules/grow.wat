;; grow.wat: a module that asks for 64 MiB more memory than the stubdom allows (16 MiB):
;; the growth traps, and the wasm stubdom reports it and powers off cleanly.
(module
  (import "minios" "print" (func $print (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "wasm: growing by 64 MiB\n")
  (func (export "main") (result i32)
    (call $print (i32.const 0) (i32.const 24))
    (drop (memory.grow (i32.const 1024)))
    (i32.const 0)))
