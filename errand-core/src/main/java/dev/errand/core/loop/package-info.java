/**
 * Supervised background loops ({@link dev.errand.core.loop.LoopService}) and the failure policy they share,
 * for Errand's own modules (the runtime's workers and sweepers, the RabbitMQ relay and inbox). Not an
 * application's API: it may change in any release.
 */
package dev.errand.core.loop;
