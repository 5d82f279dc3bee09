package io.inferbus.node;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.inferbus.deployment.agent.DeploymentLogs;
import org.slf4j.LoggerFactory;

/**
 * Feeds the deployment role's log lines (loggers under {@code io.inferbus.deployment}) into the
 * node's {@link DeploymentLogs}, which keeps those naming its instances for the logs route.
 */
final class InstanceLogFeed extends AppenderBase<ILoggingEvent> {
  private static final String DEPLOYMENT_LOGGERS = "io.inferbus.deployment";
  private final DeploymentLogs logs;

  private InstanceLogFeed(DeploymentLogs logs) {
    this.logs = logs;
  }

  /** Attaches a feed to the root logger; returns it, for {@link #detach}. Null when logback is not the backend. */
  static InstanceLogFeed attach(DeploymentLogs logs) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return null;
    }
    InstanceLogFeed feed = new InstanceLogFeed(logs);
    feed.setContext(context);
    feed.setName("inferbus-instance-logs-" + System.identityHashCode(feed));
    feed.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(feed);
    return feed;
  }

  void detach() {
    ((LoggerContext) getContext()).getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(this);
    stop();
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getLoggerName().startsWith(DEPLOYMENT_LOGGERS)) {
      logs.offer(event.getTimeStamp(), event.getLevel().toString(), event.getFormattedMessage());
    }
  }
}
