package dev.fluke.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.Test;

class ReceivedKeysTest {
  private static ReceivedKeys of(String agent, long... cyclesAndFingerprints) {
    List<ReceivedKeys.Receipt> r = new ArrayList<>();
    for (int i = 0; i < cyclesAndFingerprints.length; i += 2) {
      r.add(
          new ReceivedKeys.Receipt(agent, cyclesAndFingerprints[i], cyclesAndFingerprints[i + 1]));
    }
    return ReceivedKeys.EMPTY.add(r).resetDelta();
  }

  @Test
  void aMergeIsTheUnionOfBothSides() {
    ReceivedKeys a = of("web-01", 1, 11, 2, 12);
    ReceivedKeys b = of("web-01", 3, 13).mergeData(of("db-01", 1, 21));
    ReceivedKeys m = a.mergeData(b);
    for (long fp : new long[] {11, 12, 13}) {
      assertTrue(m.contains("web-01", fp), "fingerprint " + fp);
    }
    assertTrue(m.contains("db-01", 21));
    assertFalse(m.contains("db-01", 11), "by agent");
    assertEquals(m, b.mergeData(a), "commutative");
    assertEquals(m, m.mergeData(a), "idempotent");
  }

  @Test
  void eachAgentKeepsItsNewestResultsTheSameOnEveryNode() {
    Random random = new Random(7);
    List<ReceivedKeys> replicas = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      ReceivedKeys k = ReceivedKeys.EMPTY;
      for (int i = 0; i < 20; i++) {
        long cycle = (1L << 32) + random.nextInt(40);
        k = k.add(List.of(new ReceivedKeys.Receipt("web-01", cycle, random.nextLong())));
      }
      replicas.add(k.resetDelta());
    }
    ReceivedKeys abc = replicas.get(0).mergeData(replicas.get(1)).mergeData(replicas.get(2));
    ReceivedKeys cba = replicas.get(2).mergeData(replicas.get(1).mergeData(replicas.get(0)));
    assertEquals(abc, cba, "associative and commutative, the cut included");
    assertEquals(ReceivedKeys.KEPT, abc.kept());

    // A newer epoch's result pushes out the oldest one; an older one than every kept is not kept.
    ReceivedKeys full = ReceivedKeys.EMPTY;
    for (int i = 0; i < ReceivedKeys.KEPT; i++) {
      full = full.add(List.of(new ReceivedKeys.Receipt("web-01", 100 + i, 1000 + i)));
    }
    ReceivedKeys newer = full.add(List.of(new ReceivedKeys.Receipt("web-01", 2L << 32, 7)));
    assertTrue(newer.contains("web-01", 7));
    assertFalse(newer.contains("web-01", 1000), "the oldest is forgotten");
    assertTrue(newer.contains("web-01", 1001));
    ReceivedKeys older = full.add(List.of(new ReceivedKeys.Receipt("web-01", 5, 8)));
    assertFalse(older.contains("web-01", 8));
    assertEquals(full.resetDelta(), older.resetDelta());
  }

  @Test
  void aChangeCarriesWhatItAddedAsItsDelta() {
    ReceivedKeys base = of("web-01", 1, 11);
    assertTrue(base.deltaData().isEmpty());
    ReceivedKeys changed =
        base.add(List.of(new ReceivedKeys.Receipt("web-02", 2, 22)))
            .add(List.of(new ReceivedKeys.Receipt("web-01", 3, 13)));
    ReceivedKeys delta = changed.deltaData().orElseThrow();
    assertEquals(of("web-02", 2, 22).mergeData(of("web-01", 3, 13)), delta);
    assertEquals(changed.resetDelta(), base.mergeDeltaData(delta), "the delta brings a replica up");
    assertTrue(changed.resetDelta().deltaData().isEmpty());
  }

  @Test
  void equalReplicasSerializeIdentically() {
    try (ClusterNodes nodes = ClusterNodes.start(1)) {
      Serialization s = SerializationExtension.get(nodes.node(0));
      ReceivedKeys one = of("web-02", 2, 22).mergeData(of("web-01", 1, 11));
      ReceivedKeys two = of("web-01", 1, 11).mergeData(of("web-02", 2, 22));
      byte[] a = s.serialize(one).get();
      assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(s.serialize(two).get()));
      Object back = s.deserialize(a, ReceivedKeys.class).get();
      assertEquals(one, back);
      assertTrue(((ReceivedKeys) back).contains("web-02", 22));
    }
  }
}
