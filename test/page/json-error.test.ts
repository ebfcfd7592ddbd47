import { jsonErrorPosition } from '../../src/page/json-error'

describe('jsonErrorPosition', () => {
  it.each([
    ['{"email": secret@example.com}', 1, 11],
    ['{ "type": "track", oops }', 1, 20],
    ['{\n  "a": 1,\n  "b": 2,\n}', 4, 1],
    ['{"a": [1, 2,, 3]}', 1, 13],
    ['{"a": "unterminated', 1, 20],
    ['{"a": tru}', 1, 10],
    ['{"a": 1} extra', 1, 10],
    ['', 1, 1],
    ['{"a": "\\x"}', 1, 9],
    ['{"a": 01}', 1, 8]
  ])('finds where %j stops being JSON: line %i, column %i', (text, line, column) => {
    expect(() => JSON.parse(text)).toThrow()
    expect(jsonErrorPosition(text)).toEqual({ line, column })
  })
})
