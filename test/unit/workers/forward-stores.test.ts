import { describe, expect, it } from 'vitest';
import { binaryen } from '../../../src/wasm/binaryen.js';
import { walkExpressions } from '../../../src/wasm/walk.js';
import { forwardStores } from '../../../src/workers/passes/forward-stores.js';

/**
 * forward-stores, one case per rule: `$f`'s body, and how many loads must remain after the pass. Every case
 * must also validate and compute what it did before (result or trap, and the memory it leaves) on fixed
 * arguments, out-of-bounds addresses included.
 */
interface Case {
  name: string;
  body: string;
  loadsLeft: number;
}

const CASES: Case[] = [
  {
    name: 'forwards a store to the loads after it',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (i32.add (i32.load offset=8 (local.get $p)) (i32.load offset=8 (local.get $p)))`,
    loadsLeft: 0,
  },
  {
    name: 'reads a value loaded before again',
    body: `(drop (call $ext (local.get $v)))
           (i32.mul (i32.load offset=8 (local.get $p)) (i32.load offset=8 (local.get $p)))`,
    loadsLeft: 1,
  },
  {
    name: 'forwards a store of a loaded value, and that load',
    body: `(i32.store offset=12 (local.get $p) (i32.load offset=8 (local.get $p)))
           (i32.add (i32.load offset=12 (local.get $p)) (i32.load offset=8 (local.get $p)))`,
    loadsLeft: 1,
  },
  {
    name: 'keeps what a store to other bytes of the same base leaves',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (i32.store offset=12 (local.get $p) (i32.const 7))
           (i32.add (i32.load offset=8 (local.get $p)) (i32.load offset=12 (local.get $p)))`,
    loadsLeft: 0,
  },
  {
    name: 'forgets bytes an overlapping partial store rewrites',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (i32.store8 offset=9 (local.get $p) (i32.const 255))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 1,
  },
  {
    name: 'forgets everything at a call',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (drop (call $ext (local.get $p)))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 1,
  },
  {
    name: 'forgets everything at a store through another local',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (i32.store (local.get $q) (i32.const 9))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 1,
  },
  {
    name: 'forgets what was stored through a local that is set again',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (local.set $p (i32.add (local.get $p) (i32.const 4)))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 1,
  },
  {
    name: 'records nothing for a store whose value sets its address local again',
    body: `(i32.store offset=8 (local.get $p) (local.tee $p (i32.add (local.get $v) (i32.const 32))))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 1,
  },
  {
    name: 'forgets at a loop head',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (loop $again (result i32) (i32.load offset=8 (local.get $p)))`,
    loadsLeft: 1,
  },
  {
    name: 'knows after an if what both arms leave',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (if (local.get $v) (then (i32.store offset=12 (local.get $p) (i32.const 1))))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 0,
  },
  {
    name: 'forgets after an if whose arm stores again',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (if (local.get $v) (then (i32.store offset=8 (local.get $p) (i32.const 1))))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 1,
  },
  {
    name: 'forgets at the end of a block a branch may leave early',
    body: `(block $out
             (i32.store offset=8 (local.get $p) (local.get $v))
             (br_if $out (local.get $v))
             (i32.store offset=8 (local.get $p) (i32.const 3)))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 1,
  },
  {
    name: 'knows at the end of a block what every branch to it knows',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (block $out
             (br_if $out (local.get $v))
             (i32.store offset=12 (local.get $p) (i32.const 3))
             (br_table $out $out (local.get $v))
             (i32.store offset=8 (local.get $p) (i32.const 4)))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 0,
  },
  {
    name: 'forgets past a loop what one iteration learned',
    body: `(block $out
             (loop $again
               (i32.store offset=8 (local.get $p) (local.get $v))
               (br_if $out (local.get $v))
               (local.set $v (i32.const 1))
               (br $again)))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 1,
  },
  {
    name: 'forgets what a branch out of a loop does not know',
    body: `(block $out
             (loop $again
               (br_if $out (local.get $v))
               (i32.store offset=8 (local.get $p) (local.get $v))
               (local.set $v (i32.const 1))
               (br $again)))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 1,
  },
  {
    name: 'forgets at a block end a branch inside an unexamined expression may reach',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (block $out
             (memory.fill (local.get $q) (i32.const 0) (block (result i32) (br_if $out (local.get $v)) (i32.const 0)))
             (i32.store offset=8 (local.get $p) (i32.const 4)))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 1,
  },
  {
    name: 'forgets everything at an atomic load (another thread\'s writes may become visible)',
    body: `(i32.store offset=8 (local.get $p) (local.get $v))
           (drop (i32.atomic.load (local.get $q)))
           (i32.load offset=8 (local.get $p))`,
    loadsLeft: 2,
  },
  {
    name: 'forwards only a whole value of the same type',
    body: `(i64.store offset=8 (local.get $p) (i64.extend_i32_u (local.get $v)))
           (i32.store8 offset=16 (local.get $p) (local.get $v))
           (i32.add (i32.load offset=8 (local.get $p)) (i32.load8_u offset=16 (local.get $p)))`,
    loadsLeft: 2,
  },
  {
    name: 'keeps a float\'s bits (NaN payloads included)',
    body: `(f32.store offset=8 (local.get $p) (f32.reinterpret_i32 (local.get $v)))
           (i32.reinterpret_f32 (f32.load offset=8 (local.get $p)))`,
    loadsLeft: 0,
  },
];

const moduleText = (body: string) => `(module
  (import "env" "ext" (func $ext (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "f") (param $p i32) (param $v i32) (result i32) (local $q i32)
    (local.set $q (i32.const 16))
    ${body}))`;

function loadCount(module: binaryen.Module): number {
  let loads = 0;
  const fn = binaryen.getFunctionInfo(module.getFunctionByIndex(1));
  walkExpressions(binaryen, fn.body, (_expr, id) => {
    if (id === binaryen.LoadId) loads++;
  });
  return loads;
}

/** What `f` returns (or that it traps) and the memory it leaves, per argument pair. */
function transcript(bytes: Uint8Array): string[] {
  const args: Array<[number, number]> = [[0, 0], [16, 1], [100, 0x7fa00001], [65524, 5], [65530, 5], [-1, 3]];
  return args.map(([p, v]) => {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { ext: (x: number) => x } });
    const f = instance.exports.f as (p: number, v: number) => number;
    let result: string;
    try {
      result = String(f(p, v));
    } catch (error) {
      result = `trap: ${(error as Error).message}`;
    }
    const memory = new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer);
    const written = [...memory.entries()].filter(([, byte]) => byte !== 0).map(([at, byte]) => `${at}:${byte}`);
    return `f(${p}, ${v}) = ${result}; memory ${written.join(' ')}`;
  });
}

describe('forward-stores', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const module = binaryen.parseText(moduleText(c.body));
      try {
        module.setFeatures(binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.Atomics);
        const before = module.emitBinary();
        forwardStores(binaryen, module);
        expect(module.validate()).toBeTruthy();
        expect(loadCount(module)).toBe(c.loadsLeft);
        expect(transcript(module.emitBinary())).toEqual(transcript(before));
      } finally {
        module.dispose();
      }
    });
  }

  it('does nothing when the module may have several memories', () => {
    const module = binaryen.parseText(moduleText(CASES[0]!.body));
    try {
      module.setFeatures(binaryen.Features.MultiMemory);
      forwardStores(binaryen, module);
      expect(loadCount(module)).toBe(2);
    } finally {
      module.dispose();
    }
  });
});
