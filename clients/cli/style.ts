/** ANSI styling only on a terminal and only when NO_COLOR is unset (https://no-color.org). */
export function styler(stream: NodeJS.WriteStream): (code: number, text: string) => string {
  const enabled = stream.isTTY === true && !process.env['NO_COLOR'];
  return (code, text) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
}

export const Style = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33 } as const;
