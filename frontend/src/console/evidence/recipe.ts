// The OpenSSL commands of evidence/bundle/RECIPE.md, by step. The recipe
// is the one source: its tests run every command on a real package
// (evidence/bundle/openssl_test.go), and the guide shows them as they are,
// so what an expert reads here is what was checked.
import recipe from '../../../../evidence/bundle/RECIPE.md?raw'

// recipeSteps maps "## N. Title" sections to their ```sh blocks.
export function recipeSteps(md: string = recipe): Map<number, string[]> {
  const out = new Map<number, string[]>()
  let step = 0
  let block: string[] | null = null
  for (const line of md.split('\n')) {
    if (block) {
      if (line.startsWith('```')) {
        out.set(step, [...(out.get(step) ?? []), block.join('\n')])
        block = null
      } else block.push(line)
      continue
    }
    const h = /^## (\d+)\./.exec(line)
    if (h) step = Number(h[1])
    else if (line.startsWith('```sh') && step) block = []
  }
  return out
}
