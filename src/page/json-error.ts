/**
 * Where a JSON text stops being valid, as line and column, for a message that must not quote the text
 * (it may hold PII). A small recursive-descent scan of the JSON grammar; only called after JSON.parse
 * has failed.
 */
export function jsonErrorPosition(text: string): { line: number; column: number } {
  let at = 0
  const fail = (): never => {
    throw at
  }
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++
  }
  /** Consumes `char`, or fails where it should be. */
  const take = (char: string) => {
    if (text[at] !== char) fail()
    at++
  }
  const literal = (word: string) => [...word].forEach(take)
  const string = () => {
    at++ // opening quote
    while (text[at] !== '"') {
      if (at >= text.length || text.charCodeAt(at) < 0x20) fail()
      if (text[at] === '\\') {
        at++
        if (text[at] === 'u') {
          for (let i = 0; i < 4; i++) {
            at++
            if (!/[0-9a-fA-F]/.test(text[at] ?? '')) fail()
          }
        } else if (!'"\\/bfnrt'.includes(text[at] ?? 'x')) fail()
      }
      at++
    }
    at++
  }
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at))
    if (!match) fail()
    at += (match as RegExpExecArray)[0].length
  }
  const value = (): void => {
    space()
    const char = text[at]
    if (char === '{') {
      at++
      space()
      if (text[at] === '}') return void at++
      for (;;) {
        space()
        if (text[at] !== '"') fail()
        string()
        space()
        take(':')
        value()
        space()
        if (text[at] === '}') return void at++
        take(',')
      }
    }
    if (char === '[') {
      at++
      space()
      if (text[at] === ']') return void at++
      for (;;) {
        value()
        space()
        if (text[at] === ']') return void at++
        take(',')
      }
    }
    if (char === '"') return string()
    if (char === 't') return literal('true')
    if (char === 'f') return literal('false')
    if (char === 'n') return literal('null')
    if (char === '-' || (char >= '0' && char <= '9')) return number()
    fail()
  }
  let offset = text.length
  try {
    value()
    space()
    if (at < text.length) fail()
  } catch (position) {
    offset = Math.min(position as number, text.length)
  }
  const before = text.slice(0, offset).split('\n')
  return { line: before.length, column: before[before.length - 1].length + 1 }
}
