using System.Globalization;
using System.Text;
using Grpc.Core;

namespace SigWatch.Daemon.Grpc.Mapping;

/// <summary>Page tokens: opaque to clients; they carry the last bundle id of the previous page.</summary>
internal static class PageTokens
{
    public static string Encode(long lastId) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("b1:" + lastId.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The last id of the previous page (0 for the first); INVALID_ARGUMENT for a token this daemon did not issue.</summary>
    public static long Decode(string token)
    {
        if (token.Length == 0)
        {
            return 0;
        }

        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("b1:", StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return id;
            }
        }
        catch (FormatException)
        {
        }

        throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token: not a token this daemon issued"));
    }
}
