import type { ExtensionInfo } from '../followme/plan.js'
import type { RouteChoice } from '../outbound/route.js'
import type { ForwardTarget } from './settings.js'

/**
 * The phone's side of DND and forward all: which dialled strings are
 * feature codes, and what *72<number> may forward to. Pure.
 */
export interface ForwardingCodes {
  /** *72: forward all on (followed by a number: to that number). */
  forwardAllOn: string
  /** *73 */
  forwardAllOff: string
  /** *74 */
  forwardAllToggle: string
  /** *78 */
  dndOn: string
  /** *79 */
  dndOff: string
  /** *77 */
  dndToggle: string
}

export const DEFAULT_FORWARDING_CODES: ForwardingCodes = {
  forwardAllOn: '*72',
  forwardAllOff: '*73',
  forwardAllToggle: '*74',
  dndOn: '*78',
  dndOff: '*79',
  dndToggle: '*77',
}

/** The BLF lamps' names: dnd<EXT> and cf<EXT>, beside Follow Me's fm<EXT>. Pressing the key dials the name. */
export const DND_LAMP_PREFIX = 'dnd'
export const FORWARD_LAMP_PREFIX = 'cf'

export type ForwardingCode = {
  setting: 'dnd' | 'forward-all'
  to: 'on' | 'off' | 'toggle'
  /** *72<number>: the number dialled after the code. */
  number?: string
  /** A BLF key (dnd<EXT>, cf<EXT>): the extension whose lamp it is. */
  key?: string
}

const NUMBER = /^\+?[0-9]{1,20}$/
const KEY = /^(dnd|cf)([0-9]{1,15})$/

/** The feature code or BLF key `destination` is, if any. */
export function parseForwardingCode(destination: string, codes: ForwardingCodes): ForwardingCode | undefined {
  const exact: Array<[string, ForwardingCode]> = [
    [codes.forwardAllOn, { setting: 'forward-all', to: 'on' }],
    [codes.forwardAllOff, { setting: 'forward-all', to: 'off' }],
    [codes.forwardAllToggle, { setting: 'forward-all', to: 'toggle' }],
    [codes.dndOn, { setting: 'dnd', to: 'on' }],
    [codes.dndOff, { setting: 'dnd', to: 'off' }],
    [codes.dndToggle, { setting: 'dnd', to: 'toggle' }],
  ]
  for (const [code, meaning] of exact) if (destination === code) return meaning
  if (destination.startsWith(codes.forwardAllOn)) {
    const number = destination.slice(codes.forwardAllOn.length)
    if (NUMBER.test(number)) return { setting: 'forward-all', to: 'on', number }
  }
  const key = KEY.exec(destination)
  if (key !== null) return { setting: key[1] === DND_LAMP_PREFIX ? 'dnd' : 'forward-all', to: 'toggle', key: key[2] as string }
  return undefined
}

/**
 * Where *72<number> forwards: an enabled extension of the tenant (not the
 * caller itself), else an external number the caller's toll_allow may dial
 * through outbound_routes (the same rule as the call would follow).
 */
export function forwardTargetFor(
  number: string,
  caller: ExtensionInfo,
  extensions: ReadonlyMap<string, ExtensionInfo>,
  route: RouteChoice | undefined,
): { ok: true; target: ForwardTarget } | { ok: false; reason: string } {
  if (number === caller.extension) return { ok: false, reason: `${number} is the extension itself` }
  if (extensions.has(number)) return { ok: true, target: { kind: 'extension', target: number } }
  if (route === undefined) return { ok: false, reason: `no outbound route decision for ${number}` }
  if (!route.ok) return { ok: false, reason: route.reason }
  return { ok: true, target: { kind: 'external', target: number } }
}
