package dev.fluke.git;

import java.io.IOException;
import java.net.URISyntaxException;
import org.eclipse.jgit.api.errors.GitAPIException;

/**
 * One Git operation as {@link JGitSync} runs it: whatever it throws, {@link GitErrors#translate}
 * turns into a {@link GitSyncException} whose message is safe to show.
 */
@FunctionalInterface
interface GitCall<T> {
  T call() throws GitSyncException, GitAPIException, IOException, URISyntaxException;
}
