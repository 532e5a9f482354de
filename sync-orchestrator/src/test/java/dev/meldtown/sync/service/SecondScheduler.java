package dev.meldtown.sync.service;

import dev.meldtown.sync.service.internal.RoundLease;
import dev.meldtown.sync.service.internal.RoundTicker;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A second scheduler instance in its own JVM for {@link RoundsAcrossInstancesTest}: its own S3 client, its own
 * {@link RoundTicker}, only the S3 server is shared. It ticks every 20 ms until killed and prints
 * {@code RAN <federation> <round>} for every round it claimed (a round "runs" 50 ms).
 *
 * <p>Arguments: {@code endpoint accessKey secretKey bucket owner tenant intervalSeconds federation...}.
 */
public final class SecondScheduler {
    private SecondScheduler() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        S3Client s3 = S3Client.builder()
                .endpointOverride(URI.create(args[0]))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(args[1], args[2])))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        var ticker = new RoundTicker(new RoundLease(s3, args[3], args[4], Clock.systemUTC()));
        List<RoundTicker.Scheduled> federations = new ArrayList<>();
        for (int i = 7; i < args.length; i++) {
            federations.add(new RoundTicker.Scheduled(args[5], args[i], Integer.parseInt(args[6])));
        }
        ticker.tick(List.of(), c -> { }); // loads the classes before the race
        out.println("READY");
        while (true) {
            ticker.tick(federations, claim -> {
                out.println("RAN " + claim.federation() + " " + claim.round());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread.sleep(20);
        }
    }
}
