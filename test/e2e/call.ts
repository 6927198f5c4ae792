/**
 * One call as the caller and every phone saw it, read back from sipp's
 * message traces (times in seconds from the caller's INVITE FreeSWITCH
 * took), and what each phone does when called. world.ts re-exports it.
 */
import type { EventReader, FsEvent, SipMessage, SippOptions } from './harness.js'
import type { Phone } from './world.js'

export type Behaviour = Pick<SippOptions, 'scenario' | 'vars'>
export const rings = (): Behaviour => ({ scenario: 'phone-ring.xml' })
export const answers = (afterMs: number): Behaviour => ({ scenario: 'phone-answer.xml', vars: { ANSWER_MS: afterMs } })
export const busy = (afterMs: number): Behaviour => ({ scenario: 'phone-busy.xml', vars: { BUSY_MS: afterMs } })
export const confirms = (afterMs: number, digit: string, pressAfterMs: number): Behaviour => ({
  scenario: 'phone-confirm.xml',
  vars: { ANSWER_MS: afterMs, DTMF: digit, DTMF_MS: pressAfterMs },
})

/** One call as the caller and every phone saw it; times in seconds from t0. */
export class Call {
  constructor(
    /** When the caller sent the INVITE FreeSWITCH took (after the digest challenge, if any). */
    readonly t0: number,
    readonly caller: SipMessage[],
    readonly phones: ReadonlyMap<Phone, SipMessage[]>,
    private readonly events: EventReader,
  ) {}

  private s(at: number | undefined): number | undefined {
    return at === undefined ? undefined : (at - this.t0) / 1000
  }

  private phone(phone: Phone, predicate: (m: SipMessage) => boolean): number | undefined {
    return this.s(this.phones.get(phone)?.find(predicate)?.at)
  }

  invited(phone: Phone) {
    return this.phone(phone, (m) => m.direction === 'received' && m.method === 'INVITE')
  }

  cancelled(phone: Phone) {
    return this.phone(phone, (m) => m.direction === 'received' && m.method === 'CANCEL')
  }

  /** When the phone sent 200 OK to the INVITE. */
  answered(phone: Phone) {
    return this.phone(phone, (m) => m.direction === 'sent' && m.status === 200 && m.cseqMethod === 'INVITE')
  }

  pressed(phone: Phone) {
    return this.phone(phone, (m) => m.direction === 'sent' && m.method === 'INFO')
  }

  hungUp(phone: Phone) {
    return this.phone(phone, (m) => m.direction === 'received' && m.method === 'BYE')
  }

  /** The caller's final answer to its INVITE. */
  get final(): { status: number | undefined; at: number | undefined } {
    const last = Math.max(...this.caller.filter((m) => m.direction === 'sent' && m.method === 'INVITE').map((m) => m.cseq))
    const final = this.caller.find(
      (m) => m.direction === 'received' && m.cseqMethod === 'INVITE' && m.cseq === last && (m.status ?? 0) >= 200,
    )
    return { status: final?.status, at: this.s(final?.at) }
  }

  /** FreeSWITCH's CHANNEL_HANGUP_COMPLETE of the leg the SIP dialog with this Call-ID belongs to. */
  hangupOf(callId: string | undefined): Promise<FsEvent> {
    return this.events.waitFor(`CHANNEL_HANGUP_COMPLETE of ${callId}`, 5000, (e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.get('variable_sip_call_id') === callId)
  }

  get callerCallId(): string | undefined {
    return this.caller[0]?.header('Call-ID')
  }

  phoneCallId(phone: Phone): string | undefined {
    return this.phones.get(phone)?.find((m) => m.method === 'INVITE')?.header('Call-ID')
  }
}
