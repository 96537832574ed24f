/** A readable outline of a Script for writers: scenes, who speaks when, estimated durations, warnings. */
import type { Script, Segment } from '../runtime/contract/index.js';

export function formatClock(seconds: number): string {
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function segmentLine(segment: Segment, speakerWidth: number): string {
  const at = formatClock(segment.timing.start).padStart(5);
  switch (segment.kind) {
    case 'terminal':
      return `  ${at}  ${'[terminal]'.padEnd(speakerWidth)}  ${clip(segment.terminal?.lines.map((l) => l.text).join(' ⏎ ') ?? '', 70)}`;
    case 'cue':
      return `  ${at}  ${`[${segment.cue?.raw ?? ''}]`.padEnd(speakerWidth)}`;
    default: {
      const who = `${segment.speaker ?? ''}${segment.parenthetical ? ` (${segment.parenthetical})` : ''}`;
      return `  ${at}  ${who.padEnd(speakerWidth)}  ${clip(segment.displayText, 70)}`;
    }
  }
}

export function scriptOutline(script: Script): string {
  const { meta } = script;
  const header = [script.title, meta.series && `${meta.series}${meta.episode !== undefined ? `, episode ${meta.episode}` : ''}`, meta.aspect, `~${formatClock(script.duration)}`]
    .filter(Boolean)
    .join(' · ');
  const lines = [header, ''];
  lines.push('Cast');
  for (const member of script.cast) {
    const aka = member.aliases.filter((a) => a !== member.id && a !== member.name);
    lines.push(`  ${member.id.padEnd(14)} ${member.voice ?? 'default voice'}, ${member.wordsPerMinute} wpm · ${member.lines} lines, ${member.words} words${aka.length ? ` · also written ${aka.join(', ')}` : ''}`);
  }
  const speakerWidth = Math.min(24, Math.max(10, ...script.cast.map((c) => c.id.length + 2)));
  for (const scene of script.scenes) {
    const brief = scene.brief;
    const look = [brief.setting !== 'unknown' && brief.setting, brief.timeOfDay, brief.weather, brief.lighting, brief.camera.angle, brief.camera.movement, brief.camera.shot, brief.mood]
      .filter(Boolean)
      .join(' · ');
    lines.push('', `${scene.title}  (line ${scene.line}, ${formatClock(scene.timing.start)}–${formatClock(scene.timing.start + scene.timing.duration)})`);
    if (look) lines.push(`  look: ${look}`);
    for (const image of scene.images) lines.push(`  image: ${image.description || '(no description)'} → ${image.path}`);
    for (const segment of scene.segments) lines.push(segmentLine(segment, speakerWidth));
  }
  if (script.analysis.places.length || script.analysis.times.length) {
    lines.push('', `Places: ${script.analysis.places.join(', ') || '—'}`, `Times: ${script.analysis.times.join(', ') || '—'}`);
  }
  if (script.warnings.length > 0) {
    lines.push('', `Warnings (${script.warnings.length})`);
    for (const w of script.warnings) lines.push(`  ${w.line ? `line ${w.line}: ` : ''}${w.message}`);
  }
  return `${lines.join('\n')}\n`;
}
