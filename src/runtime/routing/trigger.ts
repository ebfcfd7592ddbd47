/**
 * What is wrong with a trigger, in words. @segment/destination-subscriptions reads FQL leniently: it
 * throws `Cannot read properties of undefined (reading 'type')` on some mistakes and silently
 * drops or misreads others (`event = "a" AND type = "track"` ignores AND; `a and b or c` becomes
 * `a or b or c`; `foo = "x"` is skipped). This check walks the tokens of FQL's own lexer through the
 * grammar that matcher implements, and names the first mistake.
 */
import { lex } from '@segment/fql-ts'
import { EVENT_TYPES } from './event-types'

interface Token {
  type: string
  value: string
}

const OPERATORS = new Set(['=', '!=', '<', '>', '<=', '>='])
/** What a comparison can test; the last three need a name after a dot. */
const FIELDS = new Set(['type', 'event', 'name', 'userId', 'properties', 'traits', 'context'])
const NESTED = new Set(['properties', 'traits', 'context'])
const FUNCTIONS = new Set(['contains', 'match'])
const FIELD_HELP = 'type, event, name, userId, properties.<name>, traits.<name> or context.<name>'

class Mistake extends Error {}

const shown = (token: Token) =>
  token.type === 'eos' ? 'the end' : token.type === 'string' ? token.value : `"${token.value}"`

/** Joins `ident . ident` into one dotted name, as the matcher does. */
function joinDots(tokens: Token[]): Token[] {
  const out: Token[] = []
  for (let i = 0; i < tokens.length; i++) {
    const last = out[out.length - 1]
    if (last?.type === 'ident' && tokens[i].type === 'dot' && tokens[i + 1]?.type === 'ident') {
      out[out.length - 1] = { type: 'ident', value: `${last.value}.${tokens[i + 1].value}` }
      i++
    } else out.push(tokens[i])
  }
  return out
}

class Reader {
  private at = 0
  constructor(private readonly tokens: Token[]) {}

  peek = () => this.tokens[this.at]
  next = () => this.tokens[this.at++]

  /** conditions joined by one conditional: the matcher applies the last one to all of them. */
  expression(closing: boolean) {
    let conditional: string | undefined
    this.term()
    for (;;) {
      const token = this.peek()
      if (token.type === 'eos') {
        if (closing) throw new Mistake('a "(" is never closed')
        return
      }
      if (token.type === 'parenright') {
        if (!closing) throw new Mistake('a ")" has no matching "("')
        this.next()
        return
      }
      if (token.type !== 'conditional') {
        throw new Mistake(
          token.type === 'ident' && /^(and|or)$/i.test(token.value)
            ? `write "${token.value.toLowerCase()}" in lower case: "${token.value}" is not read as a conditional`
            : `${shown(token)} cannot follow a condition: join conditions with and / or`
        )
      }
      if (conditional && token.value !== conditional) {
        throw new Mistake(
          'mixes "and" and "or" without parentheses, which the matcher would read as all "or" or all "and": group them, as in a and (b or c)'
        )
      }
      conditional = token.value
      this.next()
      if (['eos', 'parenright', 'conditional'].includes(this.peek().type)) {
        throw new Mistake(`"${conditional}" must be followed by a condition, not ${shown(this.peek())}`)
      }
      this.term()
    }
  }

  private term() {
    const token = this.next()
    if (token.type === 'parenleft') {
      if (this.peek().type === 'parenright') throw new Mistake('has empty parentheses')
      return this.expression(true)
    }
    if (token.type === 'operator' && token.value === '!') {
      const fn = this.peek()
      if (fn.type !== 'ident' || !FUNCTIONS.has(fn.value))
        throw new Mistake('"!" can only negate contains(…) or match(…)')
      this.next()
      return this.call(fn.value)
    }
    if (token.type === 'ident' && FUNCTIONS.has(token.value) && this.peek().type === 'parenleft')
      return this.call(token.value)
    if (token.type === 'ident') return this.comparison(token.value)
    if (token.type === 'eos') throw new Mistake('is empty: write a condition such as event = "Order Completed"')
    throw new Mistake(`${shown(token)} is not where a condition starts (a condition is like event = "Order Completed")`)
  }

  private field(name: string, what: string) {
    const [root, ...rest] = name.split('.')
    if (!FIELDS.has(root)) throw new Mistake(`"${name}" is not something a trigger can test: use ${FIELD_HELP}`)
    if (NESTED.has(root) && rest.length === 0)
      throw new Mistake(`${root} needs a name after a dot, as in ${root}.total`)
    if (!NESTED.has(root) && rest.length > 0) throw new Mistake(`"${name}": ${root} has no fields`)
    if (what === 'function' && root === 'type') throw new Mistake('contains() and match() cannot test type')
  }

  private comparison(name: string) {
    this.field(name, 'comparison')
    const operator = this.next()
    if (operator.type !== 'operator' || !OPERATORS.has(operator.value)) {
      throw new Mistake(`"${name}" must be followed by an operator (=, !=, <, >, <=, >=), not ${shown(operator)}`)
    }
    const value = this.next()
    const where = `"${name} ${operator.value}"`
    if (value.type === 'null') {
      if (operator.value !== '=' && operator.value !== '!=')
        throw new Mistake(`null can only follow = or !=, not ${where}`)
      return
    }
    if (value.type === 'ident' && (value.value === 'true' || value.value === 'false')) return
    if (value.type === 'ident') throw new Mistake(`the value after ${where} must be in double quotes: "${value.value}"`)
    if (value.type === 'string') {
      if (value.value.startsWith("'")) {
        throw new Mistake(`strings take double quotes: write "${value.value.slice(1, -1)}" instead of ${value.value}`)
      }
      const text = value.value.slice(1, -1)
      if (name === 'type' && !(EVENT_TYPES as readonly string[]).includes(text)) {
        throw new Mistake(`type is one of ${EVENT_TYPES.join(', ')}; "${text}" never matches`)
      }
      return
    }
    if (value.type === 'number') return
    throw new Mistake(`a value must follow ${where}, not ${shown(value)}`)
  }

  private call(fn: string) {
    const usage = fn === 'contains' ? 'contains(event, "text")' : 'match(event, "prefix*") or match(event, "*suffix")'
    const expect = (type: string) => {
      const token = this.next()
      if (token.type !== type) throw new Mistake(`${fn}() is written ${usage}; found ${shown(token)}`)
      return token
    }
    expect('parenleft')
    this.field(expect('ident').value, 'function')
    expect('comma')
    const pattern = expect('string').value
    if (pattern.startsWith("'")) throw new Mistake(`strings take double quotes: ${pattern}`)
    expect('parenright')
    if (fn === 'match' && !(pattern.startsWith('"*') || pattern.endsWith('*"'))) {
      throw new Mistake(`match() needs a pattern that starts or ends with *, as in ${usage}`)
    }
  }
}

/** Undefined when `fql` is a trigger the matcher reads as written; otherwise what is wrong with it. */
export function triggerProblem(fql: string): string | undefined {
  const lexed = lex(fql)
  if (lexed.error) {
    const { message } = lexed.error
    return `cannot be read: ${message}${message.includes('unterminated') ? ' (a " is never closed)' : ''}`
  }
  try {
    new Reader(joinDots(lexed.tokens as Token[])).expression(false)
    return undefined
  } catch (error) {
    if (error instanceof Mistake) return error.message
    throw error
  }
}
