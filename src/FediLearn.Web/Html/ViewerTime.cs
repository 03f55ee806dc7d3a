using System.Globalization;
using FediLearn.Core.Data.Entities;
using FediLearn.Core.Feeds;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Html;

/// <summary>
/// A session's time for people in any zone. The server writes the session's own zone (abbreviation and IANA name) and
/// the UTC instants in <c>&lt;time datetime&gt;</c>; <see cref="Script"/> then adds "Your time: …" in the browser when
/// the viewer's zone differs. Without JavaScript the page still says everything: own zone plus UTC.
/// </summary>
public static class ViewerTime
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"Mon 15 March 2027, 16:30–18:00 CET (Europe/Amsterdam)", then the UTC line the script extends.</summary>
    public static string Session(GroupItem session, string ownZoneTag = "strong")
    {
        var zone = session.TimeZone!;
        var own = SessionTime.Summary(session.StartsAtLocal!.Value, session.EndsAtLocal!.Value, zone, null, null);
        return $"<{ownZoneTag}>{E(own)}</{ownZoneTag}> {Utc(session)}";
    }

    /// <summary>The UTC span in &lt;time&gt; elements, marked for the viewer-time script with the session's zone.</summary>
    public static string Utc(GroupItem session)
    {
        var zone = session.TimeZone!;
        var start = SessionTime.ToInstant(session.StartsAtLocal!.Value, zone).UtcDateTime;
        var end = SessionTime.ToInstant(session.EndsAtLocal!.Value, zone).UtcDateTime;
        var endText = start.Date == end.Date ? end.ToString("HH:mm", Inv) : end.ToString("ddd d MMM yyyy, HH:mm", Inv);
        return $"<span class=\"viewer-time\" data-zone=\"{E(zone)}\">UTC: <time datetime=\"{Iso(start)}\">{start.ToString("ddd d MMM yyyy, HH:mm", Inv)}</time>–<time datetime=\"{Iso(end)}\">{endText}</time> UTC</span>";
    }

    public static string Iso(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ssZ", Inv);

    /// <summary>
    /// Progressive enhancement, inlined once per page that shows sessions: for each <c>.viewer-time</c> whose zone is
    /// not the browser's, add "Your time: …" formatted by Intl.DateTimeFormat in the browser's locale and zone.
    /// </summary>
    public const string Script = """
        <script>
        (function () {
          if (!window.Intl || !Intl.DateTimeFormat) return;
          var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
          // A viewer in UTC already reads the UTC line.
          if (!zone || /^(Etc\/)?(UTC|GMT|Universal|Zulu|UCT)$/.test(zone)) return;
          var fmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' });
          document.querySelectorAll('.viewer-time[data-zone]').forEach(function (el) {
            if (el.getAttribute('data-zone') === zone) return;
            var times = el.querySelectorAll('time[datetime]');
            if (times.length < 2) return;
            var start = new Date(times[0].getAttribute('datetime')), end = new Date(times[1].getAttribute('datetime'));
            var text = fmt.formatRange ? fmt.formatRange(start, end) : fmt.format(start) + ' – ' + fmt.format(end);
            var mine = document.createElement('span');
            mine.className = 'your-time';
            mine.textContent = 'Your time: ' + text + ' (' + zone + ')';
            el.appendChild(mine);
          });
        })();
        </script>
        """;
}
