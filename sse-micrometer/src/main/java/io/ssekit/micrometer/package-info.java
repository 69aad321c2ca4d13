/**
 * Micrometer meters for an {@link io.ssekit.core.SseBroker}: bind a registry with
 * {@link io.ssekit.micrometer.MicrometerSseMetrics}.
 */
@NullMarked
package io.ssekit.micrometer;

import org.jspecify.annotations.NullMarked;
