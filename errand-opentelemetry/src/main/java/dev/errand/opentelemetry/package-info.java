/**
 * OpenTelemetry tracing for Errand: {@link dev.errand.opentelemetry.ErrandTracing}.
 */
package dev.errand.opentelemetry;
