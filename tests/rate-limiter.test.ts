import { InProcessRateLimiter } from '../runtime/engine/rate-limiter.js';
import { rateLimiterSuite } from './fixtures/rate-limiter-suite.js';

rateLimiterSuite('InProcessRateLimiter', (clock) => new InProcessRateLimiter(clock));
