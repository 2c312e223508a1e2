;; hello.wat: the wasm stubdom's built-in sample. Greets, reads its domain's name, waits for
;; dom0 to write data/wasm/poke, answers in data/wasm/reply, sleeps 100 ms and exits with 7.
(module
  (import "minios" "print" (func $print (param i32 i32)))
  (import "minios" "xs_read" (func $xs_read (param i32 i32 i32 i32) (result i32)))
  (import "minios" "xs_write" (func $xs_write (param i32 i32 i32 i32) (result i32)))
  (import "minios" "xs_watch" (func $xs_watch (param i32 i32 i32) (result i32)))
  (import "minios" "sleep_ms" (func $sleep (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "wasm: hello from wasm\n")          ;; 0, 22 bytes
  (data (i32.const 32) "name")                            ;; 32, 4
  (data (i32.const 48) "wasm: my name is ")               ;; 48, 17
  (data (i32.const 80) "data/wasm/poke")                  ;; 80, 14
  (data (i32.const 96) "data/wasm/reply")                 ;; 96, 15
  (data (i32.const 112) "got ")                           ;; 112, 4 (the reply: "got " + poke)
  (data (i32.const 240) "\n")
  (data (i32.const 244) "wasm: poked, exiting with 7\n")  ;; 244, 28
  (func (export "main") (result i32)
    (local $n i32)
    (call $print (i32.const 0) (i32.const 22))
    ;; the name, into 160..
    (local.set $n (call $xs_read (i32.const 32) (i32.const 4) (i32.const 160) (i32.const 64)))
    (if (i32.gt_s (local.get $n) (i32.const 0))
      (then
        (call $print (i32.const 48) (i32.const 17))
        (call $print (i32.const 160) (local.get $n))
        (call $print (i32.const 240) (i32.const 1))))
    ;; wait for the poke, then reply "got " + its value (read into 116..)
    (drop (call $xs_watch (i32.const 80) (i32.const 14) (i32.const 60000)))
    (local.set $n (call $xs_read (i32.const 80) (i32.const 14) (i32.const 116) (i32.const 40)))
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (local.set $n (i32.const 0))))
    (drop (call $xs_write (i32.const 96) (i32.const 15) (i32.const 112)
      (i32.add (i32.const 4) (local.get $n))))
    (call $sleep (i32.const 100))
    (call $print (i32.const 244) (i32.const 28))
    (i32.const 7)))
