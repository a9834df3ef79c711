package dev.cairn.spring.internal;

import dev.cairn.api.EventSerializer;
import dev.cairn.spring.AggregateProperties;
import dev.cairn.spring.AggregateRepositoryCustomizer;
import dev.cairn.spring.CairnAggregate;
import dev.cairn.spring.CairnProperties;
import dev.cairn.store.jdbc.JdbcAggregateRepository;
import dev.cairn.store.jdbc.JdbcEventStore;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.core.ResolvableType;

/**
 * Registers a repository bean for each {@link CairnAggregate} bean: named after it plus {@code
 * Repository}, typed {@code JdbcAggregateRepository<C, S, E>} with the declaration's generics, so
 * that it can be injected by type. Only bean definitions are read here; nothing is created early.
 */
public final class RepositoryRegistrar implements BeanDefinitionRegistryPostProcessor {

  @Override
  public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
    if (!(registry instanceof ConfigurableListableBeanFactory factory)) {
      return;
    }
    for (String name : factory.getBeanNamesForType(CairnAggregate.class, true, false)) {
      String repositoryName = name + "Repository";
      if (registry.containsBeanDefinition(repositoryName)) {
        continue; // the application defined it itself
      }
      ResolvableType declared = declaredType(factory, name);
      RootBeanDefinition definition = new RootBeanDefinition(JdbcAggregateRepository.class);
      ResolvableType[] generics = declared.as(CairnAggregate.class).getGenerics();
      if (generics.length == 3 && !declared.as(CairnAggregate.class).hasUnresolvableGenerics()) {
        definition.setTargetType(ResolvableType.forClassWithGenerics(JdbcAggregateRepository.class, generics));
      }
      definition.setInstanceSupplier(() -> build(factory, name));
      definition.setDependsOn(name);
      definition.setRole(BeanDefinition.ROLE_APPLICATION);
      registry.registerBeanDefinition(repositoryName, definition);
    }
  }

  @Override
  public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {}

  private static ResolvableType declaredType(ConfigurableListableBeanFactory factory, String name) {
    BeanDefinition definition = factory.getMergedBeanDefinition(name);
    ResolvableType type = definition.getResolvableType();
    return type.resolve() == null ? ResolvableType.forClass(CairnAggregate.class) : type;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static JdbcAggregateRepository<?, ?, ?> build(BeanFactory factory, String name) {
    CairnAggregate aggregate = factory.getBean(name, CairnAggregate.class);
    JdbcEventStore store = factory.getBean(JdbcEventStore.class);
    factory.getBean(CairnSchema.class);
    CairnProperties properties = factory.getBean(CairnProperties.class);
    JdbcAggregateRepository.Builder builder =
        store.repository(aggregate.streamType(), aggregate.decider()).serializer(factory.getBean(EventSerializer.class));
    AggregateProperties settings =
        properties.getAggregates().getOrDefault(aggregate.streamType(), new AggregateProperties());
    if (aggregate.stateType() != null && settings.isSnapshots()) {
      builder.snapshots(aggregate.stateType(), aggregate.stateRevision());
    }
    PropertyMapper map = PropertyMapper.get();
    map.from(settings.getSnapshotEvery()).to(builder::snapshotEvery);
    map.from(settings.getCacheSize()).to(builder::cacheSize);
    map.from(settings.getMaxRetries()).to(builder::maxRetries);
    factory.getBeanProvider(AggregateRepositoryCustomizer.class).orderedStream().forEach(c -> c.customize(aggregate, builder));
    return builder.build();
  }
}
