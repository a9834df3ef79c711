package dev.cairn.admin;

/** The admin API's entry point (being built; see the module's README for the contract). */
public final class AdminApi {
  private AdminApi() {}
}
