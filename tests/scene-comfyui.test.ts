/** scene.comfyui against a local fake ComfyUI server: workflow filling, wire format, and the shared scene-provider contract. */
import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../runtime/contract/index.js';
import comfyui, { fillWorkflow, generationFrames, generationSize } from '../nodes/scene/comfyui.node.js';
import defaultWorkflow from '../nodes/scene/workflows/comfyui-wan2.1-t2v.json' with { type: 'json' };
import { COMFY_ERROR, OUTPUT_FILE, startFakeComfyUI, type FakeComfyUI } from './fixtures/fake-comfyui.js';
import { PROMPT, sceneProviderSuite } from './fixtures/scene-provider-suite.js';

const TOKEN = 'comfy_proxy_TEST_c41d87e2f0';

const suite = sceneProviderSuite({
  provider: 'comfyui',
  node: comfyui,
  start: startFakeComfyUI,
  credentials: { comfyui: { token: TOKEN } },
  secret: TOKEN,
  unauthorized: { status: 401, body: { error: { type: 'unauthorized', message: 'Bad token $KEY', details: '' }, node_errors: {} } },
  failure: new RegExp(`prompt [0-9a-f-]{36} failed: node 7 \\(KSampler\\): ${COMFY_ERROR.exception_message.replace(/[.()]/g, '\\$&')}`),
  sendsNegativePrompt: true,
  stalledStatus: /last status: running/,
});

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

describe('scene.comfyui: wire format', () => {
  it('queues the default workflow filled with the scene, reports queue position and running, and fetches the saved video via /view', async () => {
    const run = suite.run();
    await run.result;
    const [submit] = suite.requests('submit');
    expect(submit?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const body = submit?.body as { prompt: Graph; client_id: string };
    expect(body.client_id).toMatch(/^[0-9a-f-]{36}$/);
    const nodes = Object.values(body.prompt);
    const byType = (type: string) => nodes.filter((n) => n.class_type === type).map((n) => n.inputs);
    expect(byType('CLIPTextEncode').map((i) => i.text)).toEqual([PROMPT.prompt, PROMPT.negativePrompt]);
    // 4:3 at an 832 px long side in steps of 16; 1.5 s at 16 fps → 24 frames → 25 (4n + 1).
    expect(byType('EmptyHunyuanLatentVideo')).toEqual([{ width: 832, height: 624, length: 25, batch_size: 1 }]);
    expect(byType('KSampler')[0]).toMatchObject({ seed: 42 });
    expect(byType('CreateVideo')[0]).toMatchObject({ fps: 16 });
    expect(JSON.stringify(body.prompt)).not.toMatch(/\{\{/);

    expect(run.progress.map((p) => p.message)).toEqual(expect.arrayContaining(['queued', 'queued (0 ahead)', 'running', 'downloading', 'conforming']));
    const [download] = suite.requests('download');
    expect(Object.fromEntries(new URL(download?.path ?? '', 'http://x').searchParams)).toEqual(OUTPUT_FILE);
    expect(download?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('works with no token at all (a plain local server)', async () => {
    await suite.run({ credentials: {} }).result;
    expect(suite.fake.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('cancels by deleting the prompt from the queue and interrupting it when it is the one running', async () => {
    suite.fake.plan = { polls: 0, outcome: 'never' };
    await suite.run({ params: { timeoutSeconds: 0.1 } }).result.catch(() => {});
    const cancels = suite.requests('cancel');
    const id = (suite.requests('poll')[0]?.path ?? '').slice('/history/'.length);
    expect(cancels.map((c) => [c.path, c.body])).toEqual([
      ['/queue', { delete: [id] }],
      ['/interrupt', { prompt_id: id }],
    ]);
  });

  it('a workflow ComfyUI refuses: a permanent error with its node errors', async () => {
    suite.fake.replies.submit.push({
      status: 400,
      body: {
        error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
        node_errors: { '1': { errors: [{ type: 'value_not_in_list', message: 'Value not in list', details: "unet_name: 'wan2.1_t2v_1.3B_bf16.safetensors' not in []", extra_info: {} }], dependent_outputs: ['10'], class_type: 'UNETLoader' } },
      },
    });
    const error = await suite.run().result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toBe(
      "comfyui: scene \"s1\": HTTP 400: Prompt outputs failed validation; node 1 (UNETLoader): Value not in list: unet_name: 'wan2.1_t2v_1.3B_bf16.safetensors' not in []",
    );
  });

  it('a prompt that vanishes (server restarted): retried polls, then a transient error so the engine resubmits', async () => {
    (suite.fake as FakeComfyUI).forget = true;
    const error = await suite.run().result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/is neither queued nor finished \(ComfyUI restarted, or its queue was cleared\)/);
    expect(suite.requests('poll')).toHaveLength(8);
  });

  it('a custom workflow: placeholders inside text are spliced, and one that does not exist is named with its pointer', async () => {
    const workflow = { '1': { class_type: 'Note', inputs: { text: 'cinematic, {{prompt}} ({{seed}})' } }, '2': { class_type: 'SaveVideo', inputs: { filename_prefix: 'x' } } };
    await suite.run({ params: { workflow } }).result;
    expect((suite.requests('submit')[0]?.body as { prompt: Graph }).prompt['1']?.inputs.text).toBe(`cinematic, ${PROMPT.prompt} (42)`);

    const bad = { ...workflow, '3': { class_type: 'Note', inputs: { text: '{{scene_title}}' } } };
    const error = await suite.run({ params: { workflow: bad } }).result.catch((e: unknown) => e);
    expect(error).toMatchObject({ location: { param: '/workflow/3/inputs/text' } });
    expect((error as Error).message).toMatch(/uses \{\{scene_title\}\} at \/3\/inputs\/text, which does not exist \(use: \{\{prompt\}\} \{\{negative\}\}/);
  });
});

describe('scene.comfyui: workflow maths', () => {
  it('keeps the profile’s shape at the long side, in size steps', () => {
    expect(generationSize({ width: 1920, height: 1080, fps: 30 }, 832, 16)).toEqual({ width: 832, height: 464 });
    expect(generationSize({ width: 1080, height: 1920, fps: 30 }, 832, 16)).toEqual({ width: 464, height: 832 });
    expect(generationSize({ width: 1920, height: 1080, fps: 30 }, 768, 32)).toEqual({ width: 768, height: 448 });
  });

  it('covers the scene in n × step + 1 frames, up to the most the model makes', () => {
    expect(generationFrames(5, 16, 4, 81)).toBe(81);
    expect(generationFrames(1, 16, 4, 81)).toBe(17);
    expect(generationFrames(12, 16, 4, 81)).toBe(81);
    expect(generationFrames(2, 24, 8, 121)).toBe(49);
    expect(generationFrames(0.01, 16, 4, 81)).toBe(1);
  });

  it('fills the bundled workflow completely, with numbers where numbers belong', () => {
    const filled = fillWorkflow(defaultWorkflow, { prompt: 'p', negative: 'n', seed: 1, width: 832, height: 464, frames: 81, fps: 16 }, 'comfyui') as Graph;
    expect(JSON.stringify(filled)).not.toMatch(/\{\{/);
    expect(Object.values(filled).find((n) => n.class_type === 'EmptyHunyuanLatentVideo')?.inputs).toEqual({ width: 832, height: 464, length: 81, batch_size: 1 });
    expect(() => fillWorkflow({ '1': { class_type: 'X', inputs: {} } }, { prompt: 'p', negative: '', seed: 1, width: 1, height: 1, frames: 1, fps: 1 }, 'comfyui')).toThrow(/never uses \{\{prompt\}\}/);
  });
});
