package dev.cairn.sample.orders.checkout;

import static java.util.Objects.requireNonNull;

import dev.cairn.api.AggregateRepository;
import dev.cairn.api.CommandOptions;
import dev.cairn.api.CommandRejectedException;
import dev.cairn.api.CommandResult;
import dev.cairn.api.EventEnvelope;
import dev.cairn.api.Loaded;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payment provider in front of the payment repository, with a fault switch for the demo:
 * {@link Mode#REFUSE} refuses every authorization, {@link Mode#DELAY} answers authorizations only
 * after a delay (the provider is slow: the checkout's deadline may pass first, and the late
 * authorization is then refunded). Captures and refunds always go straight through.
 */
public final class PaymentGateway implements AggregateRepository<PaymentCommand, Payment, PaymentEvent>, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PaymentGateway.class);

  /** How the provider answers authorizations. */
  public enum Mode {
    /** At once. */
    NORMAL,
    /** With a refusal. */
    REFUSE,
    /** After the configured delay. */
    DELAY
  }

  /**
   * The fault switch's position.
   *
   * @param mode the mode
   * @param delay the delay of {@link Mode#DELAY}
   */
  public record Faults(Mode mode, Duration delay) {
    /** Checks the parts. */
    public Faults {
      requireNonNull(mode, "mode");
      requireNonNull(delay, "delay");
      if (delay.isNegative()) {
        throw new IllegalArgumentException("delay must not be negative but was " + delay);
      }
    }
  }

  private final AggregateRepository<PaymentCommand, Payment, PaymentEvent> payments;
  private final ScheduledExecutorService later =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "payment-provider");
            t.setDaemon(true);
            return t;
          });
  private volatile Faults faults = new Faults(Mode.NORMAL, Duration.ZERO);
  private volatile java.util.function.Function<String, Faults> perOrder = id -> faults;
  private final java.util.concurrent.atomic.AtomicInteger late = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * Puts the provider in front of the repository.
   *
   * @param payments the payment repository
   */
  public PaymentGateway(AggregateRepository<PaymentCommand, Payment, PaymentEvent> payments) {
    this.payments = requireNonNull(payments, "payments");
  }

  /**
   * Sets the fault switch.
   *
   * @param value the new position
   */
  public void faults(Faults value) {
    this.faults = requireNonNull(value, "faults");
    this.perOrder = id -> faults;
    LOG.info("payment provider: authorizations now {}", value.mode() == Mode.DELAY ? "delayed by " + value.delay() : value.mode());
  }

  /**
   * Returns the fault switch's position.
   *
   * @return the position
   */
  public Faults faults() {
    return faults;
  }

  /**
   * Sets the fault switch per order (for tests that mix answers).
   *
   * @param policy the position for an order id
   */
  public void faultsPerOrder(java.util.function.Function<String, Faults> policy) {
    this.perOrder = requireNonNull(policy, "policy");
  }

  /**
   * Returns how many delayed authorizations have not been answered yet.
   *
   * @return the count
   */
  public int lateAnswersPending() {
    return late.get();
  }

  @Override
  public CommandResult<PaymentEvent> handle(String streamId, PaymentCommand command, CommandOptions options) {
    Faults f = requireNonNull(perOrder.apply(streamId), "faults of " + streamId);
    if (command instanceof PaymentCommand.AuthorizePayment && f.mode() != Mode.NORMAL) {
      if (f.mode() == Mode.REFUSE) {
        throw new CommandRejectedException("payment refused by the provider (fault switch)");
      }
      // The provider answers later, through the same idempotent path.
      late.incrementAndGet();
      later.schedule(
          () -> {
            try {
              payments.handle(streamId, command, options);
            } catch (RuntimeException e) {
              LOG.warn("payment provider: late authorization of {} failed: {}", streamId, e.toString());
            } finally {
              late.decrementAndGet();
            }
          },
          f.delay().toMillis(),
          TimeUnit.MILLISECONDS);
      return new CommandResult<>(streamId, 0, List.of(), false);
    }
    return payments.handle(streamId, command, options);
  }

  @Override
  public Loaded<Payment> load(String streamId) {
    return payments.load(streamId);
  }

  @Override
  public Loaded<Payment> loadAt(String streamId, long version) {
    return payments.loadAt(streamId, version);
  }

  @Override
  public Loaded<Payment> loadAsOf(String streamId, Instant instant) {
    return payments.loadAsOf(streamId, instant);
  }

  @Override
  public List<EventEnvelope<PaymentEvent>> history(String streamId) {
    return payments.history(streamId);
  }

  /** Drops the authorizations still waiting. */
  @Override
  public void close() {
    later.shutdownNow();
  }
}
