/**
 * RFC 2833 key presses for sipp's `play_pcap_audio`: sipp sends the UDP
 * payloads of a pcap file from its media port to the media address of the
 * other side's SDP, with the file's timing.
 *
 * sipp ships one pcap per key (/usr/share/sip-tester/dtmf_2833_*.pcap), but
 * all were cut from one recording: their sequence numbers and timestamps
 * run backwards from one key to the next (7 then 1 goes from seq 8219 to
 * 7984). FreeSWITCH ignores a telephone-event packet whose sequence number
 * is not above the last one it took, unless it is more than 100 below
 * (switch_rtp.c, handle_rfc2833), so some keys of a word would be lost.
 * These files number every packet of the whole call in order.
 */
import { writeFile } from 'node:fs/promises'

/** The payload type the caller offers for telephone-event (the harness's rfc2833-pt). */
export const TELEPHONE_EVENT_PT = 101

/** RFC 4733 §3.2: events 0-9 are the digits, 10 is *, 11 is #. */
const EVENTS: Readonly<Record<string, number>> = {
  ...Object.fromEntries([...'0123456789'].map((d) => [d, Number(d)])),
  '*': 10,
  '#': 11,
}

/** One SSRC, sequence number and timestamp for every file of one call. */
export class Rfc2833Stream {
  private seq = 1000
  private ts = 16000
  private readonly ssrc = 0x2833e2e

  /**
   * A pcap that presses `keys`, each 100 ms long, `gapMs` apart: a start
   * packet with the marker bit, one every 20 ms with the duration growing,
   * then three end packets (RFC 4733 §2.5.1.4 repeats the end).
   */
  async write(path: string, keys: string, gapMs = 300): Promise<void> {
    const records: Buffer[] = [pcapHeader()]
    let atUs = 0
    for (const key of keys) {
      const event = EVENTS[key]
      if (event === undefined) throw new Error(`no RFC 2833 event for key ${JSON.stringify(key)}`)
      const start = this.ts
      for (let i = 0; i <= 5; i++) {
        records.push(packet(atUs, this.rtp(i === 0, start, event, false, i * 160)))
        atUs += 20_000
      }
      for (let i = 0; i < 3; i++) records.push(packet(atUs, this.rtp(false, start, event, true, 6 * 160)))
      atUs += gapMs * 1000
      this.ts += 8 * (100 + gapMs) // 8 kHz clock
    }
    await writeFile(path, Buffer.concat(records))
  }

  private rtp(marker: boolean, ts: number, event: number, end: boolean, duration: number): Buffer {
    const b = Buffer.alloc(16)
    b[0] = 0x80 // version 2
    b[1] = (marker ? 0x80 : 0) | TELEPHONE_EVENT_PT
    b.writeUInt16BE(this.seq++ & 0xffff, 2)
    b.writeUInt32BE(ts >>> 0, 4)
    b.writeUInt32BE(this.ssrc, 8)
    b[12] = event
    b[13] = (end ? 0x80 : 0) | 10 // volume -10 dBm0
    b.writeUInt16BE(duration, 14)
    return b
  }
}

function pcapHeader(): Buffer {
  const b = Buffer.alloc(24)
  b.writeUInt32LE(0xa1b2c3d4, 0)
  b.writeUInt16LE(2, 4)
  b.writeUInt16LE(4, 6)
  b.writeUInt32LE(65535, 16) // snaplen
  b.writeUInt32LE(1, 20) // Ethernet
  return b
}

/** Ethernet + IPv4 + UDP around the RTP packet; sipp keeps only the UDP payload (and rewrites the addresses). */
function packet(atUs: number, rtp: Buffer): Buffer {
  const udpLength = 8 + rtp.length
  const ip = Buffer.alloc(20)
  ip[0] = 0x45
  ip.writeUInt16BE(20 + udpLength, 2)
  ip[8] = 64 // TTL
  ip[9] = 17 // UDP
  ip.set([127, 0, 0, 1], 12)
  ip.set([127, 0, 0, 1], 16)
  ip.writeUInt16BE(ipChecksum(ip), 10)
  const udp = Buffer.alloc(8)
  udp.writeUInt16BE(40000, 0)
  udp.writeUInt16BE(40002, 2)
  udp.writeUInt16BE(udpLength, 4)
  const ethernet = Buffer.from([0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00])
  const frame = Buffer.concat([ethernet, ip, udp, rtp])
  const head = Buffer.alloc(16)
  head.writeUInt32LE(Math.floor(atUs / 1e6), 0)
  head.writeUInt32LE(atUs % 1e6, 4)
  head.writeUInt32LE(frame.length, 8)
  head.writeUInt32LE(frame.length, 12)
  return Buffer.concat([head, frame])
}

function ipChecksum(header: Buffer): number {
  let sum = 0
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i)
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}
