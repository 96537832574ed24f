/**
 * Every built-in node type. Adding a node type: write one file exporting
 * `defineNode({...})` as default, then list it here.
 */
import { NodeRegistry, type NodeType } from '../runtime/contract/index.js';
import fallback from './control/fallback.js';
import writeFile from './file/write.js';
import exportPackage from './export/package.js';
import jsonStringify from './json/stringify.js';
import scriptFountain from './script/fountain.js';
import scriptMarkdown from './script/markdown.js';
import formatEach from './text/format-each.js';
import scenePrompt from './scene/prompt.js';
import overlayTerminal from './overlay/terminal.js';
import sceneImage from './scene/image.js';
import sceneProcedural from './scene/procedural.js';
import sceneRunway from './scene/runway.js';
import scenePika from './scene/pika.js';
import sceneComfyui from './scene/comfyui.js';
import assemblyChunks from './assembly/chunks.js';
import assemblyJoin from './assembly/join.js';
import assemblyPace from './assembly/pace.js';
import assemblyRenderChunk from './assembly/render-chunk.js';
import assemblyTimeline from './assembly/timeline.js';
import audioMix from './audio/mix.js';
import captionsBuild from './captions/build.js';
import voiceCast from './voice/cast.js';
import voiceTts from './voice/tts.js';
import join from './text/join.js';
import split from './text/split.js';
import template from './text/template.js';

/** A registry of the built-in node types alone (no REELGRAPH_NODE_MODULES): for docs, catalogs and tests. */
export function createBuiltinRegistry(): NodeRegistry<NodeType> {
  return new NodeRegistry<NodeType>(builtinNodes);
}

export const builtinNodes = [scriptMarkdown, scriptFountain, voiceCast, voiceTts, scenePrompt, overlayTerminal, sceneImage, sceneProcedural, sceneRunway, scenePika, sceneComfyui, assemblyPace, assemblyTimeline, captionsBuild, audioMix, assemblyChunks, assemblyRenderChunk, assemblyJoin, fallback, template, formatEach, split, join, jsonStringify, writeFile, exportPackage] as NodeType[];
