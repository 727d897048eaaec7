;; A small module written the way an unoptimizing compiler emits code: explicit locals, redundant
;; loads and stores, a tiny helper that begs to be inlined, constant arithmetic, dead branches.
;; `npm run build` assembles it into examples/demo.wasm with binaryen.
(module
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 0))

  ;; Sum of 0..n-1, with a helper call per step.
  (func $add (param $a i32) (param $b i32) (result i32)
    (local $t i32)
    (local.set $t (i32.add (local.get $a) (local.get $b)))
    (local.get $t))

  (func $sum (export "sum") (param $n i32) (result i32)
    (local $i i32) (local $acc i32) (local $unused i32)
    (local.set $i (i32.const 0))
    (local.set $acc (i32.const 0))
    (local.set $unused (i32.mul (i32.const 6) (i32.const 7)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $acc (call $add (local.get $acc) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  ;; x * 8 + 0, the long way round.
  (func $scale (export "scale") (param $x i32) (result i32)
    (local $y i32)
    (local.set $y (i32.mul (local.get $x) (i32.const 8)))
    (if (i32.eqz (i32.const 0))
      (then (local.set $y (i32.add (local.get $y) (i32.const 0))))
      (else (local.set $y (i32.const 12345))))
    (local.get $y))

  ;; Stores a value, reads it back twice, and counts calls in a global.
  (func $store_load (export "store_load") (param $p i32) (param $v i32) (result i32)
    (local $a i32) (local $b i32)
    (i32.store (local.get $p) (local.get $v))
    (local.set $a (i32.load (local.get $p)))
    (local.set $b (i32.load (local.get $p)))
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.add (local.get $a) (local.get $b)))

  ;; Unsigned division that can trap on zero: the trap must survive optimization.
  (func $ratio (export "ratio") (param $a i32) (param $b i32) (result i32)
    (local $q i32)
    (local.set $q (i32.div_u (local.get $a) (local.get $b)))
    (i32.add (local.get $q) (i32.mul (i32.const 2) (i32.const 0))))

  ;; Never called, never exported: dead.
  (func $dead (param $x i32) (result i32)
    (i32.mul (local.get $x) (local.get $x)))

  (func (export "calls") (result i32)
    (global.get $counter)))
