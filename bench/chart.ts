import type { Row } from './run.js'

/**
 * A plain SVG bar chart of the throughput ratios: one group per workload and
 * connection mode, one bar per server, the ceiling at 100 %.
 */
export function barChart(rows: readonly Row[]): string {
  const groups = [...new Set(rows.map((r) => `${r.workload} (${r.connection})`))]
  const servers = [...new Set(rows.map((r) => r.server))]
  const colors = ['#9e9e9e', '#e57373', '#4caf50', '#2196f3']
  const barW = 26
  const gap = 30
  const groupW = servers.length * barW + gap
  const height = 320
  const top = 40
  const plot = 220
  const width = 70 + groups.length * groupW
  const y = (pct: number) => top + plot - (Math.min(pct, 110) / 110) * plot
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="10" y="20" font-size="14">Lookups per second, % of the ceiling (same machine, same run)</text>`,
  ]
  for (const pct of [0, 25, 50, 75, 100]) {
    parts.push(`<line x1="50" x2="${width - 10}" y1="${y(pct)}" y2="${y(pct)}" stroke="#ddd"/>`, `<text x="45" y="${y(pct) + 4}" text-anchor="end">${pct}%</text>`)
  }
  groups.forEach((group, g) => {
    const x0 = 60 + g * groupW
    servers.forEach((server, s) => {
      const row = rows.find((r) => `${r.workload} (${r.connection})` === group && r.server === server)
      if (row === undefined) return
      const x = x0 + s * barW
      parts.push(
        `<rect x="${x}" y="${y(row.ratio)}" width="${barW - 4}" height="${top + plot - y(row.ratio)}" fill="${colors[s % colors.length]}"><title>${server}: ${row.perSecond}/s (${row.ratio}%)</title></rect>`,
        `<text x="${x + (barW - 4) / 2}" y="${y(row.ratio) - 3}" text-anchor="middle" font-size="9">${Math.round(row.ratio)}</text>`,
      )
    })
    parts.push(`<text x="${x0 + (servers.length * barW) / 2}" y="${top + plot + 16}" text-anchor="middle">${group}</text>`)
  })
  servers.forEach((server, s) => {
    parts.push(`<rect x="${60 + s * 110}" y="${height - 30}" width="12" height="12" fill="${colors[s % colors.length]}"/>`, `<text x="${76 + s * 110}" y="${height - 20}">${server}</text>`)
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
