package dev.errand.spring;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * A test application whose Errand store is named by {@code errand.store-url}: Spring Boot's auto-configuration
 * without the DataSource (the JDBC starter is on the test classpath, but these applications have no
 * database of their own). Both Spring Boot lines' names are excluded; the absent one is ignored.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = {
    "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"})
@interface StoreUrlApplication {}
