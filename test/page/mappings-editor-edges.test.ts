/**
 * The mappings editor's edges, in a real browser: trigger values FQL reads as they are (backslashes
 * kept, a double quote refused with a sentence), the open editors kept open when another mapping is
 * deleted, and Contents edited item by item starting from its default.
 */
import type { Browser, Page } from 'playwright-core'
import type { TestRuntime } from '../runtime/helpers'
import { browserSuite, pageOnRuntime } from './browser'

const { describeInBrowser, executablePath } = browserSuite()

const mappingItem = (page: Page, name: string) => page.getByRole('listitem', { name, exact: true })
const isOpen = (page: Page, name: string) =>
  mappingItem(page, name)
    .locator('details')
    .evaluate((details) => (details as HTMLDetailsElement).open)

describeInBrowser('the mappings editor, edge cases', () => {
  const session = pageOnRuntime(executablePath)
  let browser: Browser
  let test: TestRuntime
  let page: Page
  beforeEach(() => void ({ browser, test, page } = session))

  it('writes a backslash into a trigger as it is, and refuses a double quote with a sentence', async () => {
    const search = mappingItem(page, 'Search')
    await search.getByText('Edit Search').click()
    const trigger = search.getByLabel('Trigger', { exact: true })
    await trigger.fill('')
    await search.getByLabel('Condition value').fill('Say "hi"')
    await search.getByRole('button', { name: 'Add condition' }).click()
    expect(await search.getByRole('alert').innerText()).toBe(
      'FQL cannot match Say "hi" with =: it contains a double quote ("). Write the trigger by hand, e.g. contains(event, "…") with a part that has none.'
    )
    expect(await trigger.inputValue()).toBe('')
    await search.getByLabel('Condition value').fill('Saved C:\\Shop')
    await search.getByRole('button', { name: 'Add condition' }).click()
    expect(await trigger.inputValue()).toBe('event = "Saved C:\\Shop"')
    expect(await search.getByRole('alert').isHidden()).toBe(true)
    await page.getByRole('button', { name: 'Save mappings' }).click()
    await page.getByText(/^Saved: /).waitFor()
    // The runtime's matcher takes the event of that very name.
    const saved = test.runtime.subscriptions.find((subscription) => subscription.name === 'Search')
    expect(saved?.matches({ type: 'track', event: 'Saved C:\\Shop' })).toBe(true)
  })

  it('adds a mapping for an event with a backslash, a track call without a name, and refuses one with a quote', async () => {
    const addFor = (event: object) =>
      page.evaluate(
        (e) => (window as unknown as { mappingsEditor: { addFor(e: object): unknown } }).mappingsEditor.addFor(e),
        event
      )
    await addFor({ type: 'track', event: 'Paid\\Web' })
    expect(await mappingItem(page, 'Paid\\Web').getByLabel('Trigger', { exact: true }).inputValue()).toBe(
      'event = "Paid\\Web"'
    )
    await addFor({ type: 'track', properties: {} })
    expect(await mappingItem(page, 'track calls').getByLabel('Trigger', { exact: true }).inputValue()).toBe(
      'type = "track"'
    )
    const before = await page.locator('#mappings > li').count()
    await addFor({ type: 'track', event: 'Said "yes"' })
    expect(await page.locator('#mappings-status').innerText()).toBe(
      'FQL cannot match Said "yes" with =: it contains a double quote ("). Write the trigger by hand, e.g. contains(event, "…") with a part that has none.'
    )
    expect(await page.locator('#mappings > li').count()).toBe(before)
  })

  it('keeps the editors open after a mapping deleted before them', async () => {
    for (const name of ['Contact', 'Complete Payment']) {
      await mappingItem(page, name).getByText(`Edit ${name}`).click()
    }
    await page.getByRole('button', { name: 'Delete Add Payment Info', exact: true }).click()
    expect(await mappingItem(page, 'Add Payment Info').count()).toBe(0)
    expect(await isOpen(page, 'Contact')).toBe(true)
    expect(await isOpen(page, 'Complete Payment')).toBe(true)
    expect(await isOpen(page, 'Initiate Checkout')).toBe(false)
  })

  it('does not let a stale page overwrite a save made in another tab', async () => {
    const other = await browser.newPage()
    await other.goto(`${test.runtime.url}/?key=${test.runtime.config.adminKey}`)
    await other.getByRole('switch', { name: 'Page View: on' }).uncheck()
    await other.getByRole('button', { name: 'Save mappings' }).click()
    await other.getByText(/^Saved: /).waitFor()
    await other.close()
    // This page still shows the list as it was when it loaded.
    await page.getByRole('switch', { name: 'Search: on' }).uncheck()
    await page.getByRole('button', { name: 'Save mappings' }).click()
    await page
      .getByText(
        'Not saved: the mappings changed elsewhere since this list was read: reload to edit the ones in force.'
      )
      .waitFor()
    const enabled = (name: string) => test.runtime.subscriptions.find((s) => s.name === name)?.enabled
    expect([enabled('Page View'), enabled('Search')]).toEqual([false, true])
    await page.reload()
    expect(await page.getByRole('switch', { name: 'Page View: on' }).isChecked()).toBe(false)
    await page.getByRole('switch', { name: 'Search: on' }).uncheck()
    await page.getByRole('button', { name: 'Save mappings' }).click()
    await page.getByText(/^Saved: /).waitFor()
    expect([enabled('Page View'), enabled('Search')]).toEqual([false, false])
  })

  it('starts Contents item by item from its default, and an item sub-field path inside the item', async () => {
    const payment = mappingItem(page, 'Complete Payment')
    await payment.getByText('Edit Complete Payment').click()
    const contents = payment.locator('.mapping-field[data-field="contents"]')
    await contents.getByLabel('Contents: set as', { exact: true }).selectOption('fields')
    expect(await contents.getByLabel('Contents: each item of').inputValue()).toBe('$.properties.products')
    expect(await contents.getByLabel('Contents Content ID: set as').inputValue()).toBe('default')
    expect(await contents.locator('.mapping-field[data-field="content_id"] .default').innerText()).toBe(
      'Default: $.product_id, else $.id'
    )
    await contents.getByLabel('Contents Quantity: set as').selectOption('path')
    expect(await contents.getByLabel('Contents Quantity', { exact: true }).inputValue()).toBe('$.quantity')
    await contents.getByLabel('Contents Quantity', { exact: true }).fill('$.qty')
    await page.getByRole('button', { name: 'Save mappings' }).click()
    await page.getByText(/^Saved: /).waitFor()
    const mapping = test.runtime.subscriptions.find((s) => s.name === 'Complete Payment')?.mapping
    expect(mapping?.contents).toEqual({
      '@arrayPath': [
        '$.properties.products',
        {
          content_id: {
            '@if': { exists: { '@path': '$.product_id' }, then: { '@path': '$.product_id' }, else: { '@path': '$.id' } }
          },
          content_name: { '@path': '$.name' },
          content_category: { '@path': '$.category' },
          brand: { '@path': '$.brand' },
          price: { '@path': '$.price' },
          quantity: { '@path': '$.qty' }
        }
      ]
    })
  })
})
