/**
 * The module an engine warms up on before its first job (Engine.warmUpJobs) and the benches warm up on before
 * they measure: a module of atoll's own, small but with what the checker and binaryen's passes spend their time
 * on in real modules (loops, memory, calls, a switch, recursion, i64 hashing, a table), sharing no function with
 * any module a user or the bench corpus optimizes, so warming up on it leaves no proof another module finds.
 */
export const WARM_UP_WAT = `(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 2)
  (global $sp (mut i32) (i32.const 65536))
  (global $seed (mut i64) (i64.const 0x9e3779b97f4a7c15))
  (global $limit i32 (i32.const 4096))
  (table 4 funcref)
  (elem (i32.const 0) $add $mix $clamp $add_again)
  (type $binary (func (param i32 i32) (result i32)))

  (func $add (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (local.get $b)))
  (func $add_again (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (local.get $b)))
  (func $mix (param $a i32) (param $b i32) (result i32)
    (local $t i32)
    (local.set $t (i32.xor (local.get $a) (i32.rotl (local.get $b) (i32.const 7))))
    (i32.add (i32.mul (local.get $t) (i32.const 0x01000193)) (i32.shr_u (local.get $t) (i32.const 13))))
  (func $clamp (param $x i32) (param $unused i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $x) (i32.const 0))
      (then (i32.const 0))
      (else (if (result i32) (i32.gt_s (local.get $x) (global.get $limit))
        (then (global.get $limit))
        (else (local.get $x))))))

  ;; Sums n words from p, through a helper the inliner takes and a dead store a later pass drops.
  (func $sum (export "sum") (param $p i32) (param $n i32) (result i32)
    (local $acc i32) (local $i i32) (local $tmp i32)
    (local.set $tmp (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (call $add (local.get $acc)
          (i32.load offset=4 (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $tmp (local.get $acc))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  ;; A byte copy with a loop-invariant bound, and a fill of what is left.
  (func $copy (export "copy") (param $dst i32) (param $src i32) (param $len i32)
    (local $i i32)
    (block $out
      (loop $again
        (br_if $out (i32.ge_u (local.get $i) (i32.and (local.get $len) (i32.const 0xffff))))
        (i32.store8 (i32.add (local.get $dst) (local.get $i)) (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (if (i32.lt_u (local.get $i) (i32.const 64))
      (then
        (loop $zero
          (i32.store8 (i32.add (local.get $dst) (local.get $i)) (i32.const 0))
          (br_if $zero (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 64)))))))

  ;; A hash round over i64 state in memory, with a stack frame.
  (func $hash (export "hash") (param $p i32) (param $n i32) (result i64)
    (local $h i64) (local $k i64) (local $frame i32)
    (local.set $frame (i32.sub (global.get $sp) (i32.const 32)))
    (global.set $sp (local.get $frame))
    (i64.store (local.get $frame) (global.get $seed))
    (local.set $h (i64.load (local.get $frame)))
    (block $end
      (loop $round
        (br_if $end (i32.lt_s (local.get $n) (i32.const 8)))
        (local.set $k (i64.load (local.get $p)))
        (local.set $k (i64.mul (local.get $k) (i64.const 0x87c37b91114253d5)))
        (local.set $k (i64.rotl (local.get $k) (i64.const 31)))
        (local.set $h (i64.xor (local.get $h) (local.get $k)))
        (local.set $h (i64.add (i64.mul (i64.rotl (local.get $h) (i64.const 27)) (i64.const 5)) (i64.const 0x52dce729)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $round)))
    (i64.store offset=8 (local.get $frame) (local.get $h))
    (global.set $sp (i32.add (local.get $frame) (i32.const 32)))
    (global.set $seed (i64.xor (global.get $seed) (local.get $h)))
    (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))

  ;; A switch, calls through the table, and arms that end alike.
  (func $dispatch (export "dispatch") (param $op i32) (param $a i32) (param $b i32) (result i32)
    (local $r i32)
    (block $default
      (block $three
        (block $two
          (block $one
            (block $zero
              (br_table $zero $one $two $three $default (local.get $op)))
            (local.set $r (call $add (local.get $a) (local.get $b)))
            (call $log (local.get $r))
            (return (local.get $r)))
          (local.set $r (call $mix (local.get $a) (local.get $b)))
          (call $log (local.get $r))
          (return (local.get $r)))
        (local.set $r (call $clamp (local.get $a) (i32.const 99)))
        (call $log (local.get $r))
        (return (local.get $r)))
      (return (call_indirect (type $binary) (local.get $a) (local.get $b) (i32.and (local.get $op) (i32.const 3)))))
    (select (local.get $a) (local.get $b) (i32.gt_u (local.get $a) (local.get $b))))

  ;; Recursion, and a loop whose counter only decides when it ends.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1))) (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func $count (export "count") (param $x i32) (result i32)
    (local $bits i32) (local $steps i32)
    (loop $shift
      (local.set $bits (i32.add (local.get $bits) (i32.and (local.get $x) (i32.const 1))))
      (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
      (br_if $shift (local.tee $x (i32.shr_u (local.get $x) (i32.const 1)))))
    (i32.add (local.get $bits) (i32.mul (i32.const 0) (local.get $steps))))
)
`;

/** The constant an incremental warm-up rebuild edits (in `$mix`): one function's body changes, nothing else. */
export const WARM_UP_EDIT = '(i32.const 13)';
