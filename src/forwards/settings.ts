/**
 * Do Not Disturb and call forwarding of one extension, as typed data
 * (migrations/0004_call_forwarding.sql is the source of truth).
 */

/** When a forward applies. */
export type ForwardCondition = 'all' | 'busy' | 'no_answer' | 'not_registered'

export const FORWARD_CONDITIONS: readonly ForwardCondition[] = ['all', 'busy', 'no_answer', 'not_registered']

/** Where it goes: an extension of the tenant, an external number, or a voicemail box. */
export interface ForwardTarget {
  kind: 'extension' | 'external' | 'voicemail'
  target: string
}

export interface Forward {
  enabled: boolean
  /** Kept while off, so *72 alone turns it back on. */
  target: ForwardTarget | null
}

export interface ForwardingSettings {
  doNotDisturb: boolean
  /** With DND on and no busy forward: hang up busy, or the extension's voicemail. */
  doNotDisturbAction: 'busy' | 'voicemail'
  forwards: Readonly<Record<ForwardCondition, Forward>>
}

const OFF: Forward = { enabled: false, target: null }

/** An extension without a call_forwarding row. */
export const NO_FORWARDING: ForwardingSettings = {
  doNotDisturb: false,
  doNotDisturbAction: 'busy',
  forwards: { all: OFF, busy: OFF, no_answer: OFF, not_registered: OFF },
}

/** "extension 101", "+15555550100", "voicemail box 100": what explain and the notes say. */
export function describeTarget(target: ForwardTarget): string {
  switch (target.kind) {
    case 'extension':
      return `extension ${target.target}`
    case 'external':
      return target.target
    case 'voicemail':
      return `voicemail box ${target.target}`
  }
}

/** The settings' extension numbers (extension and voicemail targets) and external numbers. */
export function targetsOf(settings: ForwardingSettings): { extensions: string[]; externals: string[] } {
  const extensions: string[] = []
  const externals: string[] = []
  for (const condition of FORWARD_CONDITIONS) {
    const { target } = settings.forwards[condition]
    if (target === null) continue
    ;(target.kind === 'external' ? externals : extensions).push(target.target)
  }
  return { extensions, externals }
}
