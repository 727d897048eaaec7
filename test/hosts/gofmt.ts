import { shippedModule, Transcript, type Workload } from './host.js';

/** Go sources: badly formatted, already formatted, and one with a syntax error (gofmt must report it). */
const SOURCES = [
  `package main
import ("fmt";"strings")
type point struct{x,y int
label string}
func (p *point)String()string{return fmt.Sprintf("%d,%d %s",p.x,p.y,strings.ToUpper(p.label))}
func main(){ps:=[]point{{1,2,"a"},{3,4,"bb"}}
for i,p:=range ps{if i%2==0{fmt.Println(p.String())}else{continue}}
m:=map[string]int{"one":1,"two":2,
"three":3}
_ = m}`,
  `package util

// Sum adds the numbers.
func Sum(xs ...int) (total int) {
\tfor _, x := range xs {
\t\ttotal += x
\t}
\treturn
}
`,
  `package broken
func f( { return }`,
];

/** @wasm-fmt/gofmt: Go's formatter built with TinyGo; the package compiles its own file on import. */
export const gofmt: Workload = {
  name: 'gofmt',
  sizeClass: 'medium',
  ...shippedModule('@wasm-fmt/gofmt', 'gofmt.wasm'),
  async transcript() {
    const { format } = await import('@wasm-fmt/gofmt');
    const out = new Transcript();
    for (const [index, source] of SOURCES.entries()) {
      try {
        out.add(`formatted ${index}`, format(source));
      } catch (error) {
        out.add(`error ${index}`, error instanceof Error ? error.message : String(error));
      }
    }
    return out.toString();
  },
};
