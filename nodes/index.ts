/**
 * Every built-in node type. Adding a node type: write one file exporting
 * `defineNode({...})` as default, then list it here.
 */
import { NodeRegistry, type NodeType } from '../runtime/contract/index.js';
import fallback from './control/fallback.node.js';
import review from './control/review.node.js';
import writeFile from './file/write.node.js';
import exportPackage from './export/package.node.js';
import publishS3 from './publish/s3.node.js';
import publishWebhook from './publish/webhook.node.js';
import publishYoutube from './publish/youtube.node.js';
import jsonStringify from './json/stringify.node.js';
import scriptFountain from './script/fountain.node.js';
import scriptMarkdown from './script/markdown.node.js';
import formatEach from './text/format-each.node.js';
import scenePrompt from './scene/prompt.node.js';
import overlayTerminal from './overlay/terminal.node.js';
import sceneImage from './scene/image.node.js';
import sceneProcedural from './scene/procedural.node.js';
import sceneRunway from './scene/runway.node.js';
import scenePika from './scene/pika.node.js';
import sceneComfyui from './scene/comfyui.node.js';
import assemblyChunks from './assembly/chunks.node.js';
import assemblyJoin from './assembly/join.node.js';
import assemblyPace from './assembly/pace.node.js';
import assemblyRenderChunk from './assembly/render-chunk.node.js';
import assemblyTimeline from './assembly/timeline.node.js';
import audioMix from './audio/mix.node.js';
import audioScore from './audio/score.node.js';
import captionsBuild from './captions/build.node.js';
import voiceCast from './voice/cast.node.js';
import voiceTts from './voice/tts.node.js';
import join from './text/join.node.js';
import split from './text/split.node.js';
import template from './text/template.node.js';

/** A registry of the built-in node types alone (no REELGRAPH_NODE_MODULES): for docs, catalogs and tests. */
export function createBuiltinRegistry(): NodeRegistry<NodeType> {
  return new NodeRegistry<NodeType>(builtinNodes);
}

export const builtinNodes = [scriptMarkdown, scriptFountain, voiceCast, voiceTts, scenePrompt, overlayTerminal, sceneImage, sceneProcedural, sceneRunway, scenePika, sceneComfyui, assemblyPace, assemblyTimeline, captionsBuild, audioScore, audioMix, assemblyChunks, assemblyRenderChunk, assemblyJoin, fallback, review, template, formatEach, split, join, jsonStringify, writeFile, exportPackage, publishYoutube, publishS3, publishWebhook] as NodeType[];
