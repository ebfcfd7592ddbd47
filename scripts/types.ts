/**
 * Generates the `generated-types.ts` files from the field definitions, with actions-core's
 * `fieldsToJsonSchema` and `json-schema-to-typescript`. Run `npm run types` after changing a field.
 * `--check` writes nothing and exits 1 when a committed file is stale (test/generated-types.test.ts).
 */
import { fieldsToJsonSchema } from '@segment/actions-core'
import type { MinimalInputField } from '@segment/actions-core'
import { compile } from 'json-schema-to-typescript'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import destination from '../src/destination'

const ROOT = join(__dirname, '..')

const BANNER = '// Generated file. DO NOT MODIFY IT BY HAND: change the field definitions and run `npm run types`.\n'

async function render(fields: Record<string, MinimalInputField>, name: string): Promise<string> {
  const schema = fieldsToJsonSchema(fields, { tsType: true })
  const body = await compile(schema as Parameters<typeof compile>[0], name, {
    bannerComment: '',
    additionalProperties: false,
    unknownAny: false,
    strictIndexSignatures: true,
    style: { semi: false, singleQuote: true, printWidth: 120, trailingComma: 'none' }
  })
  return BANNER + '\n' + body
}

/** Path (relative to the repository) → the content it must have. */
async function expectedTypeFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    'src/destination/generated-types.ts': await render(destination.authentication?.fields ?? {}, 'Settings')
  }
  for (const [slug, action] of Object.entries(destination.actions)) {
    files[`src/destination/${slug}/generated-types.ts`] = await render(action.fields, 'Payload')
  }
  return files
}

function readRepoFile(relativePath: string): string | undefined {
  try {
    return readFileSync(join(ROOT, relativePath), 'utf8')
  } catch {
    return undefined
  }
}

async function main(check: boolean) {
  let stale = 0
  for (const [relativePath, content] of Object.entries(await expectedTypeFiles())) {
    const changed = readRepoFile(relativePath) !== content
    if (changed) stale++
    if (changed && !check) writeFileSync(join(ROOT, relativePath), content)
    console.log(`${changed ? (check ? 'stale    ' : 'wrote    ') : 'unchanged'} ${relativePath}`)
  }
  if (check && stale) {
    console.log('Run `npm run types` to regenerate.')
    process.exitCode = 1
  }
}

main(process.argv.includes('--check')).catch((error) => {
  console.error(error)
  process.exit(1)
})
