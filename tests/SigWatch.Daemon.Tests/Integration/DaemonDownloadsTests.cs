using System.Text.Json;
using SigWatch.Core.FileSystem;
using SigWatch.Platform;
using SigWatch.Platform.Quarantine;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// Downloads through the real daemon (issue #18): a disk image and an installer package dropped into a Downloads root
/// (moved in, as a browser renames its finished download) are recorded with their verdicts and quarantine stories;
/// the unsigned package is a warning; a zip names the app inside and warns about AppleDouble debris; list --kind tells
/// them from apps; deleting one is recorded.
/// </summary>
public sealed class DaemonDownloadsTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    [RealFixturesFact]
    public async Task DiskImageAndPackageDroppedIntoDownloads_AreRecordedWithVerdictAndStory_UnsignedPackageWarns()
    {
        using var dir = new TempDirectory();
        var downloads = Directory.CreateDirectory(dir.Combine("home", "Downloads")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var image = Path.Combine(staging, "Sparkle Test.dmg");
        File.Copy(Path.Combine(RepoPaths.RealFixtures, "sparkle-adhoc-signed-dmg", "SparkleTestCodeSign_apfs_lzma_aux_files.dmg"), image);
        var package = Path.Combine(staging, "Tool.pkg");
        File.WriteAllBytes(package, XarBuilder.Component("com.example.tool", "3.1", "/usr/local").Build());
        var xattrs = ExtendedAttributes.Instance;
        var archive = Path.Combine(staging, "Tool.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(archive, System.IO.Compression.ZipArchiveMode.Create))
        {
            zip.CreateEntry("Tool.app/Contents/Info.plist");
            zip.CreateEntry("__MACOSX/Tool.app/Contents/._Info.plist");
        }

        xattrs.Set(image, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);
        xattrs.Set(package, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Firefox;"u8);

        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [downloads] });
        File.Move(image, Path.Combine(downloads, "Sparkle Test.dmg"));
        File.Move(package, Path.Combine(downloads, "Tool.pkg"));
        File.Move(archive, Path.Combine(downloads, "Tool.zip"));
        archive = Path.Combine(downloads, "Tool.zip");
        image = Path.Combine(downloads, "Sparkle Test.dmg");
        package = Path.Combine(downloads, "Tool.pkg");

        using var events = await daemon.PollJsonAsync(["events"],
            j => j.GetProperty("events").EnumerateArray().Count(e => e.GetProperty("kind").GetString() == "download-appeared") == 3, s_wait);
        var appeared = events.RootElement.GetProperty("events").EnumerateArray().ToDictionary(e => e.GetProperty("bundlePath").GetString()!, e => e);
        var imageEvent = appeared[image];
        Assert.Equal("info", imageEvent.GetProperty("severity").GetString());
        Assert.StartsWith("disk image SparkleTestCodeSign_apfs_lzma_aux_files-", imageEvent.GetProperty("summary").GetString(), StringComparison.Ordinal);
        var imageSummary = imageEvent.GetProperty("summary").GetString()!;
        Assert.True(imageSummary.Contains("; signature valid (ad-hoc); Quarantined by Safari", StringComparison.Ordinal), imageSummary);
        var packageEvent = appeared[package];
        Assert.Equal("warning", packageEvent.GetProperty("severity").GetString());
        Assert.Contains("installer package com.example.tool 3.1", packageEvent.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Contains("signature unsigned; Quarantined by Firefox", packageEvent.GetProperty("summary").GetString(), StringComparison.Ordinal);

        var archiveEvent = appeared[archive];
        Assert.Equal("warning", archiveEvent.GetProperty("severity").GetString());
        Assert.StartsWith("archive containing Tool.app, ", archiveEvent.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Contains("1 AppleDouble entries", archiveEvent.GetProperty("summary").GetString(), StringComparison.Ordinal);

        using (var shown = await daemon.PollJsonAsync(["show", image], _ => true, s_wait))
        {
            var latest = shown.RootElement.GetProperty("bundle").GetProperty("latest");
            Assert.Equal("disk-image", latest.GetProperty("kind").GetString());
            Assert.Equal("valid", latest.GetProperty("signature").GetProperty("verdict").GetString());
            Assert.Equal("ac64107c8837ae544f5ab7ede956b13bed0de411", latest.GetProperty("signature").GetProperty("cdhash").GetString());
            Assert.Equal("cdhash H\"ac64107c8837ae544f5ab7ede956b13bed0de411\"", latest.GetProperty("signature").GetProperty("designatedRequirement").GetString());
            Assert.Equal("satisfied", latest.GetProperty("signature").GetProperty("designatedRequirementSatisfied").GetString());
            Assert.True(latest.GetProperty("quarantine").GetProperty("present").GetBoolean());
            Assert.Equal("Safari", latest.GetProperty("quarantine").GetProperty("agent").GetString());
        }

        var packages = await daemon.CliAsync("list", "--kind", "installer-package", "--json");
        using (var listed = JsonDocument.Parse(packages.Stdout))
        {
            var only = Assert.Single(listed.RootElement.GetProperty("bundles").EnumerateArray());
            Assert.Equal(package, only.GetProperty("path").GetString());
            Assert.Equal("unsigned", only.GetProperty("latest").GetProperty("signature").GetProperty("verdict").GetString());
        }

        File.Delete(package);
        using var removed = await daemon.PollJsonAsync(["events"],
            j => j.GetProperty("events").EnumerateArray().Any(e => e.GetProperty("kind").GetString() == "bundle-removed"
                && e.GetProperty("bundlePath").GetString() == package), s_wait);
    }
}
