/** Terminal screens: lines kept verbatim, shell prompts recognised so overlays can type the commands. */
import type { TerminalLine } from '../../../runtime/contract/index.js';

/** Prompt forms, most specific first. Group 1: the prompt; group 2: the command. */
const PROMPTS: RegExp[] = [
  /^([\w.-]+@[\w.-]+(?::[^\s$#>]*)?\s?[$#%>])\s?(.*)$/, // user@host:~$ cmd
  /^(PS [^>\n]{0,200}>)\s?(.*)$/, // PowerShell
  /^([A-Za-z]:\\[^>\n]{0,200}>)\s?(.*)$/, // C:\> cmd
  /^([$#%>❯➜λ])\s(.*)$/u, // $ cmd · # cmd · > cmd
];

export function readTerminalLine(text: string): TerminalLine {
  for (const prompt of PROMPTS) {
    const match = prompt.exec(text);
    if (match) return { text, prompt: match[1] as string, command: match[2] as string };
  }
  return { text };
}
