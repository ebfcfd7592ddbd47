import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/**
 * Debian's chromium: CHROMIUM_PATH (CI sets it and installs the package), else /usr/bin/chromium.
 * Undefined when neither exists: the browser tests are then skipped with a warning, except when
 * CHROMIUM_PATH names a browser that is missing, which fails.
 */
export function chromiumPath(): string | undefined {
  const configured = process.env.CHROMIUM_PATH
  if (configured) {
    if (!existsSync(configured))
      throw new Error(`CHROMIUM_PATH=${configured}: no browser there (apt-get install chromium)`)
    return configured
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run'
    ]
  })
}
