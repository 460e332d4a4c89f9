package dev.errand.spring.internal;

import dev.errand.spring.ErrandHandler;
import dev.errand.spring.ErrandSchedule;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

/**
 * Finds the {@link ErrandHandler} methods of the application's singleton beans from their definitions,
 * without creating them, so the Errand can be built with each type's defaults before any handler bean
 * exists; the beans themselves are fetched when the workers start. A type handled twice, or an
 * {@link ErrandSchedule} without {@link ErrandHandler}, fails the start naming both methods. Internal.
 */
public record HandlerMethods(List<HandlerMethod> all) {
  public static HandlerMethods scan(ConfigurableListableBeanFactory beans) {
    List<HandlerMethod> found = new ArrayList<>();
    Map<String, HandlerMethod> byType = new HashMap<>();
    for (String name : beans.getBeanDefinitionNames()) {
      BeanDefinition definition = beans.getBeanDefinition(name);
      if (definition.isAbstract() || !definition.isSingleton() || definition.getRole() == BeanDefinition.ROLE_INFRASTRUCTURE) {
        continue;
      }
      Class<?> type = beans.getType(name, false);
      if (type == null || type.getName().startsWith("org.springframework.")) {
        continue;
      }
      Class<?> user = ClassUtils.getUserClass(type);
      Map<Method, ErrandHandler> handlers = MethodIntrospector.selectMethods(user,
          (MethodIntrospector.MetadataLookup<ErrandHandler>) m -> AnnotatedElementUtils.findMergedAnnotation(m, ErrandHandler.class));
      for (Map.Entry<Method, ErrandHandler> h : handlers.entrySet()) {
        HandlerMethod method = new HandlerMethod(name, h.getKey(), h.getValue(),
            AnnotatedElementUtils.findMergedAnnotation(h.getKey(), ErrandSchedule.class));
        HandlerMethod twice = byType.putIfAbsent(h.getValue().value(), method);
        if (twice != null) {
          throw new IllegalStateException("task type " + h.getValue().value() + " has two @ErrandHandler methods: "
              + twice.describe() + " and " + method.describe());
        }
        found.add(method);
      }
      for (Method m : MethodIntrospector.selectMethods(user, (MethodIntrospector.MetadataLookup<ErrandSchedule>) m ->
          AnnotatedElementUtils.findMergedAnnotation(m, ErrandSchedule.class)).keySet()) {
        if (!handlers.containsKey(m)) {
          throw new IllegalStateException("@ErrandSchedule on bean '" + name + "': " + user.getSimpleName() + "."
              + m.getName() + " needs @ErrandHandler too: a tick enqueues a task of the handler's type");
        }
      }
    }
    return new HandlerMethods(List.copyOf(found));
  }
}
