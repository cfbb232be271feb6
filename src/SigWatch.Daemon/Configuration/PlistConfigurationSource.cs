using Microsoft.Extensions.Configuration;
using SigWatch.Core.Plist;

namespace SigWatch.Daemon.Configuration;

/// <summary>
/// Configuration from a property list, the form macOS admins and MDM use:
/// <c>/Library/Preferences/org.sigwatch.daemon.plist</c>, overridden by
/// <c>/Library/Managed Preferences/org.sigwatch.daemon.plist</c> written by a configuration profile.
/// Dictionaries become sections and arrays become indexed keys (<c>Roots:0</c>), as for JSON.
/// </summary>
internal sealed class PlistConfigurationSource(string path) : IConfigurationSource
{
    public string Path { get; } = path;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new PlistConfigurationProvider(Path);
}

internal sealed class PlistConfigurationProvider(string path) : ConfigurationProvider
{
    public override void Load()
    {
        PlistValue root;
        try
        {
            root = PropertyList.Read(File.ReadAllBytes(path));
        }
        catch (PlistFormatException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }

        if (root is not PlistDictionary dict)
        {
            throw new InvalidDataException($"{path}: the top-level object is a {root.Kind}, not a dictionary");
        }

        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(dict, prefix: null, data);
        Data = data;
    }

    private static void Flatten(PlistValue value, string? prefix, Dictionary<string, string?> data)
    {
        switch (value)
        {
            case PlistDictionary dict:
                foreach (var (key, child) in dict)
                {
                    Flatten(child, prefix is null ? key : $"{prefix}:{key}", data);
                }

                break;
            case PlistArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Flatten(array[i], $"{prefix}:{i}", data);
                }

                break;
            case PlistString s:
                data[prefix!] = s.Value;
                break;
            case PlistBoolean b:
                data[prefix!] = b.Value ? "true" : "false";
                break;
            case PlistInteger or PlistReal:
                data[prefix!] = value.ToString();
                break;
            default:
                // Dates, data and UIDs have no meaning in SigWatch's settings.
                throw new InvalidDataException($"setting '{prefix}' is a {value.Kind}; use a string, number, boolean, array or dictionary");
        }
    }
}
