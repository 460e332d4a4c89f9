/**
 * Errand in Spring Boot: the auto-configuration, its {@code errand.*} properties, and the
 * {@link dev.errand.spring.ErrandHandler} and {@link dev.errand.spring.ErrandSchedule} annotations.
 * {@code dev.errand.spring.internal} is not public API.
 */
package dev.errand.spring;
