/**
 * The mappings editor in a real browser (headless Debian chromium via playwright-core), as a marketer
 * uses it: Page View off, Complete Payment triggered by another event with one field changed, saved,
 * then events sent: the result shows in Preview and in the bodies delivered. A bad trigger is refused
 * with its message next to its mapping, and nothing changes.
 */
import type { Page } from 'playwright-core'
import { post, printedEvents, waitFor, type TestRuntime } from '../runtime/helpers'
import { browserSuite, pageOnRuntime } from './browser'

const { describeInBrowser, executablePath } = browserSuite()

/** The mapping of that name in the editor's list. */
const mappingItem = (page: Page, name: string) => page.getByRole('listitem', { name, exact: true })

async function previewEvent(page: Page, event: object) {
  await page.getByLabel('Segment event', { exact: true }).fill(JSON.stringify(event))
  await page.getByRole('button', { name: 'Preview', exact: true }).click()
}

const LONG_URL = `https://shop.example/checkout/${'a1b2c3d4e5'.repeat(27)}`
const purchaseDone = {
  type: 'track',
  event: 'Purchase Done',
  userId: 'u-7',
  messageId: 'done-1',
  context: { page: { url: LONG_URL } },
  properties: { order_id: 'o-1', value: 30, currency: 'EUR' }
}

describeInBrowser('the mappings editor', () => {
  const session = pageOnRuntime(executablePath)
  let test: TestRuntime
  let page: Page
  beforeEach(() => void ({ test, page } = session))

  it('turns Page View off, retriggers Complete Payment and changes a field; Preview and delivery follow', async () => {
    expect(await page.locator('#mappings > li').count()).toBe(test.runtime.subscriptions.length)
    await page.getByRole('switch', { name: 'Page View: on' }).uncheck()

    const payment = mappingItem(page, 'Complete Payment')
    await payment.getByText('Edit Complete Payment').click()
    const trigger = payment.getByLabel('Trigger', { exact: true })
    await trigger.fill('')
    await payment.getByLabel('Condition value').fill('Purchase Done')
    await payment.getByRole('button', { name: 'Add condition' }).click()
    expect(await trigger.inputValue()).toBe('event = "Purchase Done"')
    const description = payment.locator('.mapping-field[data-field="description"]')
    expect(await description.locator('.default').innerText()).toBe('Default: nothing (not sent)')
    const orderId = payment.locator('.mapping-field[data-field="order_id"]')
    expect(await orderId.locator('.default').innerText()).toBe('Default: $.properties.order_id')
    expect(await orderId.getByLabel('Order ID: set as').inputValue()).toBe('default')
    await description.getByLabel('Description: set as').selectOption('value')
    await description.getByLabel('Description', { exact: true }).fill('Paid on the web shop')
    await page.getByText('Changes not saved yet: Save mappings applies them.').waitFor()

    await page.getByRole('button', { name: 'Save mappings' }).click()
    await page.getByText(/^Saved: \d+ mappings, \d+ on\. They apply now\.$/).waitFor()
    expect(await page.locator('#mappings-source').innerText()).toMatch(/^saved on the page \(.*mappings\.json\)$/)

    // Preview: Purchase Done is now Complete Payment with the fixed description; a page call matches nothing.
    await previewEvent(page, purchaseDone)
    await page.getByText('Matches Complete Payment (event = "Purchase Done") → TikTok event CompletePayment').waitFor()
    const body = page.locator('#tester-result pre')
    expect(await body.innerText()).toContain('"description": "Paid on the web shop"')
    // Its 300-character URL wraps inside the box instead of running past its edge.
    expect(await body.innerText()).toContain(LONG_URL)
    expect(await body.evaluate((pre) => pre.scrollWidth <= pre.clientWidth)).toBe(true)
    await previewEvent(page, { type: 'page', name: 'Home', userId: 'u-7' })
    await page.getByText('No mapping matches this event (routed as a web event).').waitFor()

    // Delivered: only Purchase Done, as CompletePayment with the description.
    const batch = [
      { type: 'page', name: 'Home', userId: 'u-7', messageId: 'page-1' },
      purchaseDone,
      { ...purchaseDone, event: 'Order Completed', messageId: 'completed-1' }
    ]
    expect((await post(`${test.runtime.url}/v1/batch`, { batch })).status).toBe(200)
    await waitFor(() => printedEvents(test).length > 0 && test.runtime.pipeline.pending === 0)
    expect(printedEvents(test)).toEqual([
      expect.objectContaining({
        event: 'CompletePayment',
        event_id: 'done-1',
        properties: expect.objectContaining({ description: 'Paid on the web shop', order_id: 'o-1', value: 30 })
      })
    ])

    // After a reload, the page shows what is in force.
    await page.reload()
    expect(await page.getByRole('switch', { name: 'Page View: on' }).isChecked()).toBe(false)
    expect(await mappingItem(page, 'Complete Payment').locator('.trigger').innerText()).toBe('event = "Purchase Done"')
  })

  it('refuses a bad trigger with its message next to its mapping, and changes nothing', async () => {
    const search = mappingItem(page, 'Search')
    await search.getByText('Edit Search').click()
    await search.getByLabel('Trigger', { exact: true }).fill('event = "a" AND type = "track"')
    await page.getByRole('button', { name: 'Save mappings' }).click()
    await page.getByText('Not saved: one problem; the mappings in force did not change.').waitFor()
    expect(await search.locator('.mapping-problems').innerText()).toBe(
      'trigger `event = "a" AND type = "track"`: write "and" in lower case: "AND" is not read as a conditional'
    )
    expect(await page.locator('.mapping-problems').count()).toBe(1)
    expect(test.runtime.subscriptions.find((s) => s.name === 'Search')?.subscribe).toBe('event = "Products Searched"')
    expect(test.runtime.subscriptionSource).toBe('presets')
  })

  it('offers a mapping for an event Preview finds none for, and sends it once saved', async () => {
    await previewEvent(page, { ...purchaseDone, event: 'Trial Started' })
    await page.getByText('No preset matches this event (routed as a web event).').waitFor()
    await page.getByRole('button', { name: 'Add a mapping for this event' }).click()
    const added = mappingItem(page, 'Trial Started')
    expect(await added.getByLabel('Trigger', { exact: true }).inputValue()).toBe('event = "Trial Started"')
    const event = added.locator('.mapping-field[data-field="event"]')
    await event.getByLabel('Event Name: set as').selectOption('value')
    await event.getByLabel('Event Name', { exact: true }).fill('Subscribe')
    await page.getByRole('button', { name: 'Save mappings' }).click()
    await page.getByText(/^Saved: /).waitFor()
    await page.getByRole('button', { name: 'Preview', exact: true }).click()
    await page.getByText('Matches Trial Started (event = "Trial Started") → TikTok event Subscribe').waitFor()
  })

  it('adds a mapping from a preset, renames it, deletes another, and saves the list', async () => {
    await page.getByLabel('Add a mapping', { exact: true }).selectOption({ label: 'Search' })
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    const copy = mappingItem(page, 'Search 2')
    const name = copy.getByLabel('Name', { exact: true })
    expect(await name.inputValue()).toBe('Search 2')
    await name.fill('Site search')
    await mappingItem(page, 'Site search').getByLabel('Trigger', { exact: true }).fill('event = "Site Searched"')
    await page.getByRole('button', { name: 'Delete Download', exact: true }).click()
    expect(await mappingItem(page, 'Download').count()).toBe(0)
    await page.getByRole('button', { name: 'Save mappings' }).click()
    await page.getByText(/^Saved: /).waitFor()
    const names = test.runtime.subscriptions.map((subscription) => subscription.name)
    expect(names).not.toContain('Download')
    expect(names[names.length - 1]).toBe('Site search')
    const site = test.runtime.subscriptions.find((subscription) => subscription.name === 'Site search')
    const search = test.runtime.subscriptions.find((subscription) => subscription.name === 'Search')
    expect(site).toMatchObject({ subscribe: 'event = "Site Searched"', enabled: true, mapping: search?.mapping })
  })

  it('maps Contents item by item and Address sub-field by sub-field, and Preview shows them', async () => {
    const payment = mappingItem(page, 'Complete Payment')
    await payment.getByText('Edit Complete Payment').click()
    const contents = payment.locator('.mapping-field[data-field="contents"]')
    await contents.getByLabel('Contents: set as', { exact: true }).selectOption('fields')
    await contents.getByLabel('Contents: each item of').fill('$.properties.items')
    for (const [label, path] of [
      ['Contents Content ID', '$.sku'],
      ['Contents Price', '$.cost']
    ]) {
      await contents.getByLabel(`${label}: set as`).selectOption('path')
      await contents.getByLabel(label, { exact: true }).fill(path)
    }
    const address = payment.locator('.mapping-field[data-field="address"]')
    await address.getByLabel('Address: set as', { exact: true }).selectOption('fields')
    // The sub-fields start from the field's default; one is changed, the others keep theirs.
    expect(await address.getByLabel('Address City: set as').inputValue()).toBe('default')
    await address.getByLabel('Address Country: set as').selectOption('value')
    await address.getByLabel('Address Country', { exact: true }).fill('France')
    await page.getByRole('button', { name: 'Save mappings' }).click()
    await page.getByText(/^Saved: /).waitFor()

    const mapping = test.runtime.subscriptions.find((s) => s.name === 'Complete Payment')?.mapping
    // The item's other sub-fields keep the default's (read in each item).
    expect(mapping?.contents).toEqual({
      '@arrayPath': [
        '$.properties.items',
        expect.objectContaining({
          content_id: { '@path': '$.sku' },
          content_name: { '@path': '$.name' },
          price: { '@path': '$.cost' }
        })
      ]
    })
    const defaults = test.runtime.subscriptions.find((s) => s.name === 'Search')?.mapping.address as object
    expect(mapping?.address).toEqual({ ...defaults, country: 'France' })

    await previewEvent(page, {
      type: 'track',
      event: 'Order Completed',
      userId: 'u-7',
      properties: {
        order_id: 'o-2',
        items: [
          { sku: 'A1', cost: 3 },
          { sku: 'B2', cost: 4.5 }
        ],
        address: { city: 'Lyon' }
      }
    })
    const body = JSON.parse(await page.locator('#tester-result pre').innerText())
    expect(body.data[0].properties.contents).toEqual([
      { content_id: 'A1', price: 3 },
      { content_id: 'B2', price: 4.5 }
    ])
    // The country typed on the page, as TikTok's code; the city by its default path (properties.address.city).
    expect(body.data[0].user).toMatchObject({ country: 'fr', city: 'lyon' })
  })
})
