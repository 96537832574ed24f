import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countWords, toSpeech } from '../nodes/script/engine/speech.js';

type Case = readonly [input: string, speech: string];

/** One table per rule family: input as the writer typed it → what the voice is given. */
const RULES: Record<string, readonly Case[]> = {
  numbers: [
    ['It costs 3.5 credits.', 'It costs three point five credits.'],
    ['We need 1,200 of them.', 'We need one thousand two hundred of them.'],
    ['Pi is 3.14159.', 'Pi is three point one four one five nine.'],
    ['It was -5 outside.', 'It was minus five outside.'],
    ['Half is 0.5, or .5', 'Half is zero point five, or point five'],
    ['Agent 007', 'Agent zero zero seven'],
    ['Version 1.2.3 shipped.', 'Version one point two point three shipped.'],
    ['R2D2 and COVID-19', 'R two D two and COVID-nineteen'],
    ['1,234,567 stars', 'one million two hundred thirty-four thousand five hundred sixty-seven stars'],
    ['1000000000000000000000000000000', 'one nonillion'],
    ['3 vs. 4', 'three versus four'],
    ['Room 101', 'Room one hundred one'],
  ],
  ordinals: [
    ['the 21st floor', 'the twenty-first floor'],
    ['the 3rd time', 'the third time'],
    ['1st, 2nd, 11th, 12th, 13th', 'first, second, eleventh, twelfth, thirteenth'],
    ['the 101st and the 1,000th', 'the one hundred first and the one thousandth'],
    ['the 21ST CENTURY', 'the twenty-first CENTURY'],
  ],
  years: [
    ['In 1999 it began.', 'In nineteen ninety-nine it began.'],
    ['Back in 2007.', 'Back in two thousand seven.'],
    ['Now it is 2024.', 'Now it is twenty twenty-four.'],
    ['Born 1905, died 1900.', 'Born nineteen oh five, died nineteen hundred.'],
    ['the year 2049', 'the year twenty forty-nine'],
    ['in 1,000 years', 'in one thousand years'],
    ['2000 years ago', 'two thousand years ago'],
    ['1500 meters down', 'one thousand five hundred meters down'],
    ['1999 people', 'one thousand nine hundred ninety-nine people'],
    ['1099 and 2100', 'one thousand ninety-nine and two thousand one hundred'],
    ['the 1990s', 'the nineteen nineties'],
    ["the '80s and the 80's", 'the eighties and the eighties'],
    ['the 2000s and 2020s', 'the two thousands and twenty twenties'],
    ['10s of thousands', 'tens of thousands'],
    ['1980s kids', 'nineteen eighties kids'],
    ['from 1990-1995', 'from nineteen ninety to nineteen ninety-five'],
  ],
  percentages: [
    ['12% of them', 'twelve percent of them'],
    ['[=====>    ] 47%...', 'forty-seven percent...'],
    ['up 12.5%', 'up twelve point five percent'],
    ['pages 10-20%', 'pages ten to twenty percent'],
  ],
  currency: [
    ['$5', 'five dollars'],
    ['$1.50', 'one dollar and fifty cents'],
    ['$0.99', 'ninety-nine cents'],
    ['$1', 'one dollar'],
    ['$1,200.75', 'one thousand two hundred dollars and seventy-five cents'],
    ['€20', 'twenty euros'],
    ['£3', 'three pounds'],
    ['£0.01', 'one penny'],
    ['$2.5 million', 'two point five million dollars'],
    ['$3M and $5k', 'three million dollars and five thousand dollars'],
    ['5¢', 'five cents'],
    ['-$5', 'minus five dollars'],
    ['20€', 'twenty euros'],
    ['¥1000', 'one thousand yen'],
    ['$5-10', 'five dollars to ten'],
  ],
  times: [
    ['At 3:00 a.m. she woke.', 'At three A M she woke.'],
    ['It was 3:00 a.m.', 'It was three A M.'],
    ['At 3:00 a.m. Kael woke.', 'At three A M. Kael woke.'],
    ['3:15pm', 'three fifteen P M'],
    ['11:59 PM', 'eleven fifty-nine P M'],
    ['14:30', 'fourteen thirty'],
    ['14:00', 'fourteen hundred'],
    ['at 3:00', "at three o'clock"],
    ['at 5:05', 'at five oh five'],
    ['12pm', 'noon'],
    ['12:00 a.m.', 'midnight.'],
    ['12 noon', 'noon'],
    ['3pm', 'three P M'],
    ['9:00-17:00', "nine o'clock to seventeen hundred"],
    ['3-5pm', 'three to five P M'],
    ['ETA 00:03:12', 'E T A three minutes and twelve seconds'],
    ['John 3:16', 'John three sixteen'],
  ],
  dates: [
    ['Jan. 5, 2024', 'January fifth, twenty twenty-four'],
    ['on Sept 21st', 'on September twenty-first'],
    ['May 2024', 'May twenty twenty-four'],
    ['2024-01-15', 'January fifteenth, twenty twenty-four'],
  ],
  fractions: [
    ['3/4 cup', 'three quarters cup'],
    ['1/2 and 2/3 and 5/8', 'one half and two thirds and five eighths'],
    ['24/7 and 9/11 and 50/50', 'twenty-four seven and nine eleven and fifty fifty'],
    ['1½ hours', 'one and one half hours'],
  ],
  abbreviations: [
    ['Dr. Kael', 'Doctor Kael'],
    ['Mr. Smith and Mrs. Jones', 'Mister Smith and Missus Jones'],
    ['Ms. Vega met Prof. Hale.', 'Miz Vega met Professor Hale.'],
    ['Mr Smith', 'Mister Smith'],
    ['Gen Z', 'Gen Z'],
    ['St. Louis', 'Saint Louis'],
    ['Visit St. Louis.', 'Visit Saint Louis.'],
    ['on Main St.', 'on Main Street.'],
    ['on Baker St. The house', 'on Baker Street. The house'],
    ['on Elm St. near the river', 'on Elm Street near the river'],
    ['on 42nd St.', 'on forty-second Street.'],
    ['Mulholland Dr. is long', 'Mulholland Drive is long'],
    ['Mt. Everest', 'Mount Everest'],
    ['apples, pears, etc. Then', 'apples, pears, et cetera. Then'],
    ['apples, etc., and pears', 'apples, et cetera, and pears'],
    ['e.g., this', 'for example, this'],
    ['i.e. that', 'that is that'],
    ['approx. 5', 'approximately five'],
    ['Acme Inc.', 'Acme Incorporated.'],
    ['the U.S. Army', 'the U S Army'],
    ['No. 5', 'number five'],
    ['coffee w/ milk', 'coffee with milk'],
  ],
  symbols: [
    ['you & me', 'you and me'],
    ['2+2=4', 'two plus two equals four'],
    ['me @home', 'me at home'],
    ['#1 and #hashtag', 'number one and hashtag hashtag'],
    ['A → B, x -> y', 'A to B, x to y'],
    ['3×4 and 8÷2', 'three times four and eight divided by two'],
    ['~10 people', 'about ten people'],
    ['20°C', 'twenty degrees Celsius'],
    ['68°F and 1°', 'sixty-eight degrees Fahrenheit and one degree'],
    ['-3°C', 'minus three degrees Celsius'],
    ['and/or', 'and or'],
    ['wait… what', 'wait... what'],
    ['wait. . . what', 'wait... what'],
    ['yes—no', 'yes, no'],
    ['yes – no', 'yes, no'],
    ['Wait--what', 'Wait, what'],
    ['• one ● two', 'one two'],
    ['C++ and C#', 'C plus plus and C sharp'],
    ['No!!! Really???', 'No! Really?'],
    ['x² and 10^3', 'x squared and ten to the power of three'],
  ],
  addresses: [
    ['Visit https://www.example.com/path?q=1.', 'Visit example dot com.'],
    ['see www.reelgraph.io', 'see reelgraph dot io'],
    ['on example.com today', 'on example dot com today'],
    ['mail name.surname@example.com', 'mail name dot surname at example dot com'],
    ['Node.js stays', 'Node.js stays'],
    ['call (555) 123-4567', 'call five five five, one two three, four five six seven'],
  ],
  initialisms: [
    ['The CPU, GPU and API', 'The C P U, G P U and A P I'],
    ['a URL on USB, on TV', 'a U R L on U S B, on T V'],
    ['AI is not NASA', 'A I is not NASA'],
    ['two CPUs', 'two C P Us'],
    ['16GB', 'sixteen G B'],
    ['NO WAY', 'NO WAY'],
  ],
  cleaning: [
    ['Hi 👋🏽 there', 'Hi there'],
    ['family 👨‍👩‍👧 ok', 'family ok'],
    ['flag 🇫🇷 done ✔️', 'flag done'],
    ['stars ★★★', 'stars'],
    ['“Smart” and ‘single’', '"Smart" and \'single\''],
    ['tab\there\nnew  line', 'tab here new line'],
    ['zero\u200Bwidth', 'zerowidth'],
    ['bell\u0007 ring', 'bell ring'],
    ['broken \uD800 half', 'broken half'],
    ['Ｆｕｌｌ １２３', 'Full one hundred twenty-three'],
    ['Acme™ ©', 'Acme copyright'],
    ['  padded  ', 'padded'],
    ['\'Hello,\' she said. "Yes," he said.', '\'Hello,\' she said. "Yes," he said.'],
    ['one,two;three', 'one, two; three'],
    ['', ''],
  ],
};

describe('toSpeech', () => {
  for (const [family, cases] of Object.entries(RULES)) {
    describe(family, () => {
      it.each(cases)('%j → %j', (input, speech) => {
        expect(toSpeech(input)).toBe(speech);
      });
    });
  }

  it.each(Object.values(RULES).flat().map(([, speech]) => speech))('does not change its own output %j when run again', (speech) => {
    expect(toSpeech(speech)).toBe(speech);
  });
});

describe('lexicon', () => {
  const lexicon = { Kael: 'Kale', ARIA: 'Ah-ree-ah' };

  it.each([
    ['Kael ran.', 'Kale ran.'],
    ['KAEL! kael?', 'Kale! Kale?'],
    ["Kael's ship", "Kale's ship"],
    ['ARIA-class', 'Ah-ree-ah-class'],
    ['Kaelen and Makael stay', 'Kaelen and Makael stay'],
    ['Dr. Kael', 'Doctor Kale'],
    ['St. Kael', 'Saint Kale'],
    ['at 3 a.m. Kael woke', 'at three A M. Kale woke'],
  ])('%j → %j', (input, speech) => {
    expect(toSpeech(input, { lexicon })).toBe(speech);
  });

  it('matches multi-word entries, longest first, across any whitespace', () => {
    const options = { lexicon: { Neo: 'Nay-oh', 'Neo Tokyo': 'Neo Tokio' } };
    expect(toSpeech('Neo Tokyo, not Neo.', options)).toBe('Neo Tokio, not Nay-oh.');
    expect(toSpeech('Neo \n  tokyo', options)).toBe('Neo Tokio');
  });

  it('escapes regular-expression characters in keys', () => {
    const options = { lexicon: { 'C++': 'see plus plus', 'a.b': 'A B', '(x)': 'ex', '.NET': 'dot net', '$HOME': 'home' } };
    expect(toSpeech('C++ on .NET, (x) at $HOME', options)).toBe('see plus plus on dot net, ex at home');
    expect(toSpeech('axb stays', options)).toBe('axb stays');
  });

  it('sees the writer’s spelling before the rules rewrite it', () => {
    const options = { lexicon: { 'R2-D2': 'Artoo Deetoo', AI: 'the machine', '2049': 'the year of the flood' } };
    expect(toSpeech('R2-D2 and AI in 2049', options)).toBe('Artoo Deetoo and the machine in the year of the flood');
  });

  it('can override a reading the rules produced', () => {
    expect(toSpeech('In 2049.', { lexicon: { 'twenty forty-nine': 'the last year' } })).toBe('In the last year.');
  });

  it('inserts readings as given, never rewriting them or chaining entries', () => {
    const options = { lexicon: { Kael: 'Kale 2', Kale: 'Kayl', Dr: 'Doc $1' } };
    expect(toSpeech('Kael and Kale', options)).toBe('Kale 2 and Kayl');
    expect(toSpeech('Dr Who', options)).toBe('Doc $1 Who');
  });

  it('ignores empty keys', () => {
    expect(toSpeech('Kael', { lexicon: { '': 'x', '  ': 'y', Kael: 'Kale' } })).toBe('Kale');
  });
});

describe('countWords', () => {
  it.each([
    ['', 0],
    ['one', 1],
    ['twenty-four seconds', 3],
    ["don't stop", 2],
    ['three A M.', 3],
    ['Hello, world... again!', 3],
    ['東京タワー', 5],
    ['Kale in 東京', 4],
  ])('%j has %i words', (text, words) => {
    expect(countWords(text)).toBe(words);
  });
});

describe('properties', () => {
  /** Any UTF-16 code unit, so lone surrogates come up too. */
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
  const anyText = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: codeUnit, maxLength: 200 }),
    fc.string({ unit: fc.constantFrom(...'0123456789.,:;-–—$€£¥¢%°/#@&+=~^ aAmpMst\'"sdhk()!?…'.split('')), maxLength: 80 }),
  );
  const numberLike = fc.stringMatching(/^-?[$€£]?\d{1,40}(,\d{3}){0,4}(\.\d{1,12}){0,3}(%|st|nd|rd|th|s|'s|k|m|bn| million|°C|¢|€| ?[ap]\.?m\.?)?$/);
  const timeLike = fc.stringMatching(/^\d{1,3}:\d{1,3}(:\d{1,3})?( ?[AaPp]\.?[Mm]\.?)?$/);
  const dateLike = fc.stringMatching(/^(\d{1,4}[-/.]){1,3}\d{1,4}$/);

  /**
   * No digits survive: every run of ASCII digits is read, digit by digit when
   * no better reading exists. (Full-width and other compatibility digits are
   * folded to ASCII first; digits of other scripts, like "٣", are left to the
   * TTS engine; a lexicon reading may contain digits on purpose.)
   */
  it('never throws and reads every digit, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, numberLike, timeLike, dateLike), (text) => {
        const speech = toSpeech(text);
        expect(speech).not.toMatch(/[0-9]/);
      }),
      { numRuns: 2000 },
    );
  });

  it('returns clean, trimmed text: no pictographs, controls, placeholders or lone surrogates', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const speech = toSpeech(text, { lexicon: { Kael: 'Kale', 'C++': 'see plus plus' } });
        expect(speech).not.toMatch(/[\p{Extended_Pictographic}\p{Cc}\p{Cs}\p{Co}]/u);
        expect(speech).not.toMatch(/\s{2}|^\s|\s$/u);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on number-like input with a lexicon', () => {
    fc.assert(
      fc.property(numberLike, fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }), (text, lexicon) => {
        expect(typeof toSpeech(text, { lexicon })).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});

describe('running time', () => {
  /** The least of a few runs: one slow run (GC, JIT, a busy shared machine) says nothing about the pattern. */
  function fastest(text: string): number {
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 5; run += 1) {
      const start = performance.now();
      toSpeech(text, { lexicon: { Kael: 'Kale' } });
      best = Math.min(best, performance.now() - start);
    }
    return best;
  }

  /**
   * 40× the input should cost about 40× the time. Machines are noisy and
   * small inputs pay fixed costs, so the bound is generous — but a quadratic
   * pattern would cost 1600× (in practice, minutes), far above it.
   */
  const LINEAR_BOUND = 400;

  function growth(unit: string): number {
    const small = unit.repeat(Math.ceil(5_000 / unit.length));
    const large = unit.repeat(Math.ceil(200_000 / unit.length));
    fastest(small); // warm up the JIT
    return fastest(large) / Math.max(fastest(small), 0.05);
  }

  /** Runs of the characters the rules hinge on: digits, separators, currency, clocks, addresses, abbreviations. */
  const ADVERSARIAL = [
    '1', '0', '1,', '1.', '.1', '1,000', ',000', '1.1.', '$1', '$1.', '-$', '1:', '1:2', ':', '.', ',', '-1', '1-', '1-2-', "'1", '10s',
    '1st', '1990', '1/', '1/2/', '1¢', '1°', '€', '°', '#', '12:30 ', '3pm ', 'Jan 1', '(555) ', '555-', 'a.', 'A.', 'U.S.', 'e.g.',
    'St. ', 'Dr ', 'Mr ', 'www.', 'http://a.', 'a@', '@a.', 'a.a@', 'a.com.', 'ab.com', ' ', '. ', ', ', ';:', '...', '--', '—', '=',
    '!', 'a-', '(', '😀', '🇫', '\uD800', 'Kael ', 'aaaa',
  ];

  it.each(ADVERSARIAL)('grows linearly on a run of %j', (unit) => {
    expect(growth(unit)).toBeLessThan(LINEAR_BOUND);
  });

  it('grows linearly on runs of random units', () => {
    const unit = fc.string({ unit: fc.constantFrom(...'0123456789.,:-$€/@aA \'s'.split('')), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(unit, (text) => growth(text) < LINEAR_BOUND),
      { numRuns: 10 },
    );
  });
});
