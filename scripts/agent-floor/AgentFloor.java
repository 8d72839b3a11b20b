import dev.fluke.grpc.ProtoMapping;
import dev.fluke.grpc.proto.AgentEnvelope;
import dev.fluke.grpc.proto.AgentService;
import dev.fluke.grpc.proto.ServerEnvelope;
import dev.fluke.protocol.AgentMessage;
import dev.fluke.protocol.ServerMessage;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What an idle agent would weigh without Pekko, Scala and Typesafe Config (scripts/bench-agent-floor.sh):
 * loads every class of a list (the classes a real agent loaded, less those; not initialised), then
 * opens the agent's real gRPC call to a server, registers as {@code name} and answers heartbeats,
 * and idles. Not an agent: it runs nothing it is asked to.
 *
 * <p>Arguments: class list, host, port, token, name.
 */
public final class AgentFloor {
  public static void main(String[] args) throws Exception {
    int loaded = 0;
    int missing = 0;
    for (String name : Files.readAllLines(Path.of(args[0]))) {
      try {
        Class.forName(name, false, AgentFloor.class.getClassLoader());
        loaded++;
      } catch (ReflectiveOperationException | LinkageError e) {
        missing++;
      }
    }
    System.out.println("classes from the list: " + loaded + " loaded, " + missing + " not found");
    // GrpcServerConnector's CONNECT, written again: that class is on Pekko, and loading it could load
    // Pekko's classes too, which the floor is without.
    MethodDescriptor<AgentEnvelope, ServerEnvelope> connect =
        MethodDescriptor.<AgentEnvelope, ServerEnvelope>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(AgentService.name, "Connect"))
            .setRequestMarshaller(ProtoUtils.marshaller(AgentEnvelope.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(ServerEnvelope.getDefaultInstance()))
            .build();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(args[1], Integer.parseInt(args[2]))
            .usePlaintext()
            .directExecutor()
            .build();
    ClientCall<AgentEnvelope, ServerEnvelope> call = channel.newCall(connect, CallOptions.DEFAULT);
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + args[3]);
    call.start(
        new ClientCall.Listener<ServerEnvelope>() {
          @Override
          public void onMessage(ServerEnvelope envelope) {
            ServerMessage m = ProtoMapping.fromProto(envelope);
            if (m instanceof ServerMessage.Registered) {
              System.out.println("registered");
            } else if (m instanceof ServerMessage.Heartbeat) {
              call.sendMessage(
                  ProtoMapping.toProto(new AgentMessage.Heartbeat(System.currentTimeMillis())));
            }
            call.request(1);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            System.out.println("call ended: " + status);
          }
        },
        headers);
    call.request(1);
    call.sendMessage(
        ProtoMapping.toProto(
            new AgentMessage.Register(args[4], Map.of("role", "floor"), "floor", List.of("shell"))));
    Thread.sleep(Long.MAX_VALUE);
  }
}
