package dev.lakeml.sql;

import dev.lakeml.schemas.auth.ApiKeys;
import java.util.Optional;
import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/**
 * HiveServer2's custom authentication for the JDBC endpoint: the password is an API key of the
 * serving API's key file and the user is that key's name. HiveServer2 makes one instance per login,
 * by class name, so the keys are installed once, before the server starts, in a static field; they
 * never go into the Hadoop configuration, which Spark may print.
 */
public final class ApiKeyAuthentication implements PasswdAuthenticationProvider {
  private static volatile ApiKeys keys;

  /** The keys every later login is checked against. */
  static void use(ApiKeys apiKeys) {
    keys = apiKeys;
  }

  @Override
  public void Authenticate(String user, String password) throws AuthenticationException {
    ApiKeys current = keys;
    if (current == null || password == null || password.isEmpty()) {
      throw new AuthenticationException(SqlServerErrors.NO_KEY);
    }
    Optional<ApiKeys.Caller> caller = current.authenticate(password);
    if (caller.isEmpty() || !caller.get().name().equals(user)) {
      // One answer for an unknown key and a known key under another name: no key is confirmed.
      throw new AuthenticationException(SqlServerErrors.WRONG_KEY);
    }
  }
}
