package dev.cairn.sample.orders.spring;

import dev.cairn.api.ConcurrencyConflictException;
import dev.cairn.api.IdempotencyKeyReusedException;
import dev.cairn.sample.orders.domain.OrderRuleViolation;
import java.net.URI;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error as an RFC 9457 problem detail ({@code application/problem+json}): Spring MVC's own
 * (malformed JSON, wrong media type...) through {@link ResponseEntityExceptionHandler}, and the
 * domain's and Cairn's here, each with a stable {@code type} and the message that names the values.
 */
@RestControllerAdvice
public class ProblemDetails extends ResponseEntityExceptionHandler {

  /** Created by Spring. */
  public ProblemDetails() {}

  /**
   * A business rule refused the command: 404 for an unknown order, 422 otherwise.
   *
   * @param e the violation
   * @return the problem
   */
  @ExceptionHandler
  public ProblemDetail ruleViolated(OrderRuleViolation e) {
    HttpStatus status = e.rule() == OrderRuleViolation.Rule.UNKNOWN_ORDER ? HttpStatus.NOT_FOUND : HttpStatus.UNPROCESSABLE_CONTENT;
    return problem(status, e.rule().name().toLowerCase(Locale.ROOT), e.getMessage());
  }

  /**
   * The order is not in the read model.
   *
   * @param e the miss
   * @return 404
   */
  @ExceptionHandler
  public ProblemDetail notFound(OrdersController.OrderNotFound e) {
    return problem(HttpStatus.NOT_FOUND, "unknown_order", e.getMessage());
  }

  /**
   * {@code If-Match} named another version.
   *
   * @param e the mismatch
   * @return 412
   */
  @ExceptionHandler
  public ProblemDetail versionMismatch(OrdersController.VersionMismatch e) {
    return problem(HttpStatus.PRECONDITION_FAILED, "stale_version", e.getMessage());
  }

  /**
   * Another command changed the order meanwhile, past the repository's retries.
   *
   * @param e the conflict
   * @return 409
   */
  @ExceptionHandler
  public ProblemDetail conflict(ConcurrencyConflictException e) {
    return problem(HttpStatus.CONFLICT, "concurrent_change", e.getMessage());
  }

  /**
   * An idempotency key came back with another command.
   *
   * @param e the reuse
   * @return 422
   */
  @ExceptionHandler
  public ProblemDetail keyReused(IdempotencyKeyReusedException e) {
    return problem(HttpStatus.UNPROCESSABLE_CONTENT, "idempotency_key_reused", e.getMessage());
  }

  /**
   * Bad input that the domain's records or the controller refused.
   *
   * @param e the refusal, naming the field and the value
   * @return 400
   */
  @ExceptionHandler
  public ProblemDetail badInput(IllegalArgumentException e) {
    return problem(HttpStatus.BAD_REQUEST, "invalid_request", String.valueOf(e.getMessage()));
  }

  private static ProblemDetail problem(HttpStatus status, String code, @Nullable String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create("urn:cairn:sample-orders:" + code));
    problem.setTitle(code);
    return problem;
  }
}
