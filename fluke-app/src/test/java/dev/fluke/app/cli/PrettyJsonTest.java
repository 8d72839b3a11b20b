package dev.fluke.app.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fluke.events.EventQuery;
import dev.fluke.http.ApiJson;
import dev.fluke.http.TestFleetApi;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code -o json} indents the server's JSON with jackson-core alone, as the data binding did. */
class PrettyJsonTest {
  private final ObjectMapper mapper = ApiJson.create();

  private String before(String json) throws IOException {
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(mapper.readTree(json));
  }

  @Test
  void indentsAnswersExactlyAsTheDataBindingsPrettyPrinter() throws Exception {
    TestFleetApi fleet = new TestFleetApi();
    List<Object> answers =
        List.of(
            fleet.agents().toCompletableFuture().get(10, TimeUnit.SECONDS),
            fleet.tasks().toCompletableFuture().get(10, TimeUnit.SECONDS),
            fleet.events(EventQuery.latest(50)).toCompletableFuture().get(10, TimeUnit.SECONDS),
            fleet.manifest().toCompletableFuture().get(10, TimeUnit.SECONDS));
    for (Object answer : answers) {
      String json = mapper.writeValueAsString(answer);
      assertEquals(before(json), ClientCommand.pretty(json));
    }
    for (String json :
        List.of(
            "{}",
            "[]",
            "{\"a\":[],\"b\":{},\"c\":[1,2.5,-3e-7,true,null,\"é\\n\\u0001\"]}",
            "  [ {\"x\" : 1} ] trailing",
            "\"text\"",
            "12345678901234567890123")) {
      assertEquals(before(json), ClientCommand.pretty(json), json);
    }
  }

  @Test
  void whatIsNotJsonIsRefused() {
    for (String bad : List.of("", "<html>", "{\"a\":")) {
      assertThrows(IOException.class, () -> ClientCommand.pretty(bad), bad);
    }
  }
}
