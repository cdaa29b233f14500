;; The inner loop of output framing (FramerKernel.ts says why it is WebAssembly). Memory, fixed at
;; 6 pages so views of it never detach: the prefix at 0 (64 bytes), the input at 1024 (64 KiB),
;; the framed output from 128 KiB to 384 KiB. scripts/build-wasm.mjs compiles this file into
;; FramerKernelWasm.ts; edit here, then run `npm run build:wasm`.
(module
  (memory (export "memory") 6 6)
  ;; Where `frame` stopped reading, and where the last line it began starts (after the prefix's newline).
  (global $src (export "src") (mut i32) (i32.const 0))
  (global $lineStart (export "lineStart") (mut i32) (i32.const 0))

  ;; Copies bytes [s, end) to d, and after each newline the prefix (memory[0, plen)). Stops at
  ;; end, or after a newline that leaves d + (end - s) past limit; returns d, and sets $src.
  ;; It may write up to 80 bytes past the d it returns (a vector, then the prefix's 64 bytes).
  (func (export "frame") (param $s i32) (param $end i32) (param $d i32) (param $limit i32) (param $plen i32) (result i32)
    (local $v v128) (local $newlines i32) (local $k i32) (local $nl v128)
    (local.set $nl (i8x16.splat (i32.const 10)))
    (block $exit
      (block $tail
        ;; 16 bytes at a time: stored whole, then the part past the first newline (if any) is
        ;; overwritten by the prefix and read again from the byte after it.
        (loop $vectors
          (br_if $tail (i32.gt_u (i32.add (local.get $s) (i32.const 16)) (local.get $end)))
          (local.set $v (v128.load align=1 (local.get $s)))
          (v128.store align=1 (local.get $d) (local.get $v))
          (local.set $newlines (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $nl))))
          (if (i32.eqz (local.get $newlines))
            (then
              (local.set $s (i32.add (local.get $s) (i32.const 16)))
              (local.set $d (i32.add (local.get $d) (i32.const 16)))
              (br $vectors)))
          (local.set $k (i32.add (i32.ctz (local.get $newlines)) (i32.const 1)))
          (local.set $s (i32.add (local.get $s) (local.get $k)))
          (local.set $d (call $prefix (i32.add (local.get $d) (local.get $k)) (local.get $plen)))
          (br_if $exit (call $full (local.get $s) (local.get $end) (local.get $d) (local.get $limit)))
          (br $vectors)))
      ;; The last 15 bytes or fewer, one at a time.
      (loop $bytes
        (br_if $exit (i32.ge_u (local.get $s) (local.get $end)))
        (local.set $k (i32.load8_u (local.get $s)))
        (i32.store8 (local.get $d) (local.get $k))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (if (i32.eq (local.get $k) (i32.const 10))
          (then
            (local.set $d (call $prefix (local.get $d) (local.get $plen)))
            (br_if $exit (call $full (local.get $s) (local.get $end) (local.get $d) (local.get $limit)))))
        (br $bytes)))
    (global.set $src (local.get $s))
    (local.get $d))

  ;; A line starts at d: its prefix is written there (64 bytes, of which plen count).
  (func $prefix (param $d i32) (param $plen i32) (result i32)
    (global.set $lineStart (local.get $d))
    (v128.store align=1 (local.get $d) (v128.load (i32.const 0)))
    (v128.store offset=16 align=1 (local.get $d) (v128.load (i32.const 16)))
    (v128.store offset=32 align=1 (local.get $d) (v128.load (i32.const 32)))
    (v128.store offset=48 align=1 (local.get $d) (v128.load (i32.const 48)))
    (i32.add (local.get $d) (local.get $plen)))

  ;; The rest of the input might not fit under limit any more.
  (func $full (param $s i32) (param $end i32) (param $d i32) (param $limit i32) (result i32)
    (i32.gt_u (i32.add (local.get $d) (i32.sub (local.get $end) (local.get $s))) (local.get $limit))))
