import CQL2
import LandModel
import LandService

extension Message {
    var persian: String {
        switch self {
        case .noSuchPath: return "در این نشانی منبعی وجود ندارد."
        case .methodNotAllowed: return "این روش برای این منبع مجاز نیست."
        case .bodyTooLarge: return "بدنهٔ درخواست بیش از حد بزرگ است."
        case .badRequest: return "درخواست معتبر نیست."
        case .internalError: return "سرور نتوانست به این درخواست پاسخ دهد. لطفاً بعداً دوباره تلاش کنید."
        case .storeUnavailable: return "پایگاه داده شهر هم‌اکنون در دسترس نیست. لطفاً چند ثانیه دیگر دوباره تلاش کنید."
        case .invalidDataset: return "مجموعه‌داده معتبر نیست."
        case .invalidBoundingBox: return "bbox باید ۴ (یا ۶) عدد متناهی جداشده با ویرگول باشد، هر کمینه بزرگ‌تر از بیشینهٔ خود نباشد و در محدودهٔ دستگاه مختصات باشد."
        case .invalidLimit: return "limit باید عددی صحیح و دست‌کم ۱ باشد."
        case .invalidOffset: return "offset باید عددی صحیح و دست‌کم ۰ باشد."
        case .invalidDatetime:
            return "datetime باید تاریخ‌وزمانِ RFC 3339 با منطقهٔ زمانی باشد، مانند 2026-01-05T10:00:00Z، یا بازه‌ای از دو تاریخ‌وزمان (آغاز/پایان، با '..' یا هیچ برای سرِ باز) که پایانش پیش از آغازش نباشد. تاریخِ تنها (2026-01-05) پذیرفته نیست، چون اینکه کدام لحظه‌ها را در بر می‌گیرد به منطقهٔ زمانی بستگی دارد."
        case .invalidFormat: return "f باید json یا html باشد."
        case .invalidFilterValue: return "این ویژگی عدد صحیح می‌پذیرد."
        case .filter(let error): return Self.persian(error)
        case .unknownCollection: return "مجموعه‌ای با این شناسه وجود ندارد."
        case .unknownFeature: return "عارضه‌ای با این شناسه در این مجموعه وجود ندارد."
        case .noSuchTile: return "چنین کاشی‌ای نیست: tileMatrix از ۰ تا ۲۰ است و tileRow و tileCol کمتر از ۲ به توان tileMatrix."
        case .unknownCRS: return "این دستگاه مختصات پشتیبانی نمی‌شود (فهرست crs مجموعه را ببینید)."
        case .outsideCRSDomain: return "این مختصات را نمی‌توان در این دستگاه مختصات بیان کرد."
        case .ogcServiceTitle: return "سامانهٔ اطلاعات زمینِ زمین"
        case .ogcServiceDescription: return "قطعه‌ها، پهنه‌ها و خدمات شهری به‌صورت OGC API – Features."
        case .ogcConformanceTitle: return "کلاس‌های انطباق"
        case .ogcCollectionsTitle: return "مجموعه‌ها"
        case .ogcParcelsTitle: return "قطعه‌های زمین"
        case .ogcZonesTitle: return "پهنه‌های کاربری"
        case .ogcFacilitiesTitle: return "خدمات شهری"
        case .unknownParameter(let name): return "پارامتر «\(name)» شناخته‌شده نیست."
        case .notOneOf(let name, let allowed):
            return "«\(name)» باید یکی از این‌ها باشد: \(allowed.prefix(60).joined(separator: "، "))\(allowed.count > 60 ? "، …" : "")."
        case .wholeNumberAtLeast(let name, let minimum): return "«\(name)» باید عدد صحیحِ دست‌کم \(minimum) باشد."
        case .tooLong(let name, let limit): return "«\(name)» بیش از \(limit) نویسه است."
        case .unsupportedLanguage: return Self.unsupportedLanguageInBoth
        case .unsupportedMediaType: return "بدنهٔ درخواست باید JSON باشد (Content-Type: application/json)."
        case .repeatedParameter(let name): return "پارامتر «\(name)» بیش از یک بار آمده است."
        case .missingParameter(let name): return "پارامتر «\(name)» لازم است."
        case .notANumber(let name): return "«\(name)» باید یک عدد اعشاری معتبر باشد."
        case .notAWholeNumber(let name): return "«\(name)» باید یک عدد صحیح باشد."
        case .outOfRange(let name, let lower, let upper):
            return "«\(name)» باید بین \(SentenceNumber.persian(lower)) و \(SentenceNumber.persian(upper)) باشد."
        case .mustBePositive(let name): return "«\(name)» باید بزرگ‌تر از صفر باشد."
        case .invalidBBox(let name):
            return "«\(name)» باید چهار عدد minLon,minLat,maxLon,maxLat با کمینه ≤ بیشینه و بر حسب درجهٔ WGS 84 باشد."
        case .parcelOrPoint: return "یا «parcel» را بدهید یا «lon» و «lat» را، نه هر دو."
        case .emptyQuery: return "جست‌وجو به متن «q» (غیرخالی) یا یک پالایه نیاز دارد: category، use یا zone."
        case .categoryWithParcelFilter: return "«category» تأسیسات را می‌جوید و «use» و «zone» قطعه‌ها را؛ فقط یکی را بدهید."
        case .unknownParcel(let id): return "قطعه‌ای با شناسهٔ «\(id)» وجود ندارد."
        case .unknownUse(let use, let valid): return "کاربری «\(use)» شناخته‌شده نیست. کاربری‌های معتبر: \(valid.joined(separator: "، "))."
        case .unknownCategory(let category, let valid):
            return "دستهٔ «\(category)» شناخته‌شده نیست. دسته‌های معتبر: \(valid.joined(separator: "، "))."
        case .unknownZone(let zone, let valid): return "کد پهنهٔ «\(zone)» شناخته‌شده نیست. کدهای معتبر: \(valid.joined(separator: "، "))."
        case .parcelHasNoZone(let id): return "قطعهٔ «\(id)» در هیچ پهنهٔ دارای ضوابط قرار ندارد؛ چیزی برای بررسی نیست."
        case .landUse(let use): return Self.persianUse(use)
        case .conformity(let conformity, let use, let zone):
            let name = Self.persianUse(use)
            switch conformity {
            case .allowed: return "کاربری فعلی (\(name)) در پهنهٔ \(zone) مجاز است."
            case .conditional: return "کاربری فعلی (\(name)) در پهنهٔ \(zone) فقط با موافقت کارشناس شهرسازی مجاز است."
            case .notAllowed: return "کاربری فعلی (\(name)) در پهنهٔ \(zone) مجاز نیست."
            }
        case .zoningSummary(let allowed, let needsApproval):
            if !allowed { return "مجاز نیست: دست‌کم یکی از ضوابط پهنه رعایت نشده است." }
            return needsApproval ? "با موافقت کارشناس شهرسازی مجاز است (کاربری مشروط)." : "طبق ضوابط پهنه مجاز است."
        case .missingKey: return "کلید API لازم است: سرآیند Authorization: Bearer KEY را بفرستید."
        case .invalidKey: return "کلید API معتبر نیست یا باطل شده است."
        case .roleNotAllowed: return "نقش این کلید API اجازهٔ این کار را نمی‌دهد."
        case .tooManyRequests: return "درخواست‌های این نشانی بیش از حد است. لطفاً کمی صبر کنید و دوباره تلاش کنید."
        case .bodyNotJSONObject: return "بدنهٔ درخواست باید یک شیء JSON باشد."
        case .missingField: return "این فیلد الزامی است."
        case .invalidField: return "مقدار این فیلد معتبر نیست."
        case .unknownField: return "این فیلد شناخته‌شده نیست."
        case .invalidNationalID: return "کد ملی معتبر نیست: باید ۱۰ رقم با رقم کنترل درست باشد."
        case .invalidPhone: return "شمارهٔ همراه معتبر نیست: به شکل ۰۹xxxxxxxxx بنویسید."
        case .floorsRequired: return "پروانهٔ ساختمانی به تعداد طبقات نیاز دارد."
        case .zoneCodeOnlyForLandUseChange: return "کد پهنه فقط در درخواست تغییر کاربری قابل درخواست است."
        case .noZoningRules: return "هیچ ضابطه‌ای بر این قطعه حاکم نیست، پس درخواست قابل بررسی نیست."
        case .requestNotFound: return "درخواستی با این کد رهگیری یا شناسه وجود ندارد."
        case .requestStatusConflict: return "وضعیت درخواست اجازهٔ این تصمیم را نمی‌دهد (شاید پیش‌تر تصمیم‌گیری شده باشد)."
        case .keyNameTaken: return "کلیدی با این نام وجود دارد."
        case .keyNotFound: return "کلید فعالی با این نام وجود ندارد."
        case .unknownZoneID: return "پهنه‌ای با این شناسه وجود ندارد."
        case .zoneCodeUnchanged: return "این پهنه هم‌اکنون همین کد را دارد."
        case .featureRule(let rule): return Self.persianRule(rule)
        case .featureExists(let id): return "عارضه‌ای با شناسهٔ \(id) وجود دارد؛ برای تغییر آن از PUT یا PATCH استفاده کنید."
        case .parcelHasOpenRequest(let parcel, let request):
            return "قطعهٔ \(parcel) درخواستی باز دارد (\(SentenceNumber.persianDigits(String(request))))؛ پیش از حذف قطعه یا تغییر مرز آن دربارهٔ درخواست تصمیم بگیرید."
        case .preconditionRequired:
            return "سرآیند If-Match لازم است: ETag نسخه‌ای را که خوانده‌اید بفرستید تا تغییر دیگران ناخواسته بازنویسی نشود."
        case .preconditionFailed: return "این عارضه پس از خواندن شما تغییر کرده است (If-Match با نسخهٔ کنونی یکی نیست)؛ دوباره بخوانید."
        case .cadastral(let problems): return problems.map(Self.persian).joined(separator: " ")
        case .reportProblem(let problem):
            switch problem {
            case .unknownService(let code): return "خدمتی با کد «\(code)» در فهرست خدمات شهر نیست (فهرست: /open311/v2/services.json)."
            case .missingAttribute(let code): return "این خدمت پاسخ «\(code)» را لازم دارد."
            case .unknownAttribute(let code): return "این خدمت پرسشی با کد «\(code)» ندارد."
            case .invalidAttributeValue(let code): return "پاسخ «\(code)» از پاسخ‌های پذیرفتنی این خدمت نیست."
            case .photoNotJPEGOrPNG(let index): return "عکس \(SentenceNumber.persian(Double(index + 1))) تصویر JPEG یا PNG نیست."
            case .photoDamaged(let index): return "عکس \(SentenceNumber.persian(Double(index + 1))) آسیب دیده است و خوانده نمی‌شود."
            case .tooManyPhotos: return "با هر گزارش حداکثر ۳ عکس می‌توان فرستاد."
            case .outsideCity: return "این مکان بیرون از محدوده شهر است."
            case .unknownAddress: return "قطعه‌ای با این نشانی پیدا نشد."
            case .unknownParcel(let id): return "قطعه‌ای با شناسه \(id) وجود ندارد."
            }
        case .open311DateRange: return "فاصله start_date تا end_date حداکثر ۹۰ روز می‌تواند باشد."
        case .open311LocationRequired: return "مکان لازم است: lat و long، یا address_string، یا address_id."
        case .reportNotFound: return "گزارشی با این کد رهگیری یا شناسه وجود ندارد."
        case .reportStatusConflict: return "وضعیت این گزارش اجازه این کار را نمی‌دهد."
        case .tenderProblem(let problem):
            switch problem {
            case .tenderNotFound: return "مزایده یا مناقصه‌ای با این شناسه نیست."
            case .closed: return "زمان بازگشایی این مزایده یا مناقصه رسیده است؛ پیشنهاد یا انصراف دیگری پذیرفته نمی‌شود."
            case .amountOutOfRange(let kind, let reserve):
                return kind == .auction
                    ? "مبلغ باید عددی صحیح به ریال و دست‌کم \(SentenceNumber.persian(Double(reserve))) (حداقل مزایده) باشد."
                    : "مبلغ باید عددی صحیح به ریال، بیش از صفر و حداکثر \(SentenceNumber.persian(Double(reserve))) (سقف مناقصه) باشد."
            case .bidNotFound: return "پیشنهادی با این کد رهگیری و کد ملی نیست."
            case .bidWithdrawn: return "از این پیشنهاد پیش‌تر انصراف داده شده است."
            case .tooEarly(let opensAt): return "پیش از زمان بازگشایی (\(opensAt)) پاکت‌ها باز نمی‌شوند."
            case .alreadyOpened: return "پاکت‌های این مزایده یا مناقصه پیش‌تر باز شده و نتیجه ثبت شده است."
            case .tooFewShares(let have, let need):
                return "بازگشایی \(SentenceNumber.persian(Double(need))) سهم کمیسیون لازم دارد؛ \(SentenceNumber.persian(Double(have))) سهم داده شد."
            case .badShare(let position): return "سهم \(SentenceNumber.persian(Double(position + 1))) سهمِ این مزایده یا مناقصه نیست (اشتباه تایپی، تکراری یا از مزایدهٔ دیگر)."
            case .sharesDoNotMatch: return "این سهم‌ها کلید این مزایده یا مناقصه را نمی‌سازند: دست‌کم یکی از آن‌ها اصل نیست."
            case .invalidCommittee: return "آستانهٔ کمیسیون باید دست‌کم ۲ و حداکثر برابر شمار اعضا (حداکثر ۲۵۵) باشد."
            }
        case .photoNotFound: return "عکسی با این نام وجود ندارد."
        case .photoTooLarge: return "هر عکس حداکثر ۵ مگابایت و گزارش با عکس‌هایش حداکثر ۱۶ مگابایت می‌تواند باشد."
        case .notMultipart: return "بدنه درخواست multipart/form-data معتبر نیست (RFC 7578): مرز یا سرآیند بخشی ندارد یا ناتمام است."
        case .childRule(let index, let rule): return "قطعهٔ فرزند \(SentenceNumber.persianDigits(String(index + 1))): " + Self.persianRule(rule)
        case .parcelOverlaps(let overlaps):
            return "این قطعه با قطعه‌های دیگر بیش از ۰٫۵ مترمربع هم‌پوشانی دارد: "
                + overlaps.map { "\($0.id) (\(SentenceNumber.persian($0.squareMeters)) مترمربع)" }.joined(separator: "، ")
        case .unsupportedPatchType: return "PATCH فقط بدنهٔ application/merge-patch+json (RFC 7396) می‌پذیرد."
        case .invalidIfMatch: return "If-Match باید * یا فهرستی از ETagها در گیومه باشد (RFC 9110)."
        case .invalidInstant: return "زمان باید به قالب RFC 3339 باشد، مانند 2026-01-31T12:00:00Z."
        case .invalidStatus: return "status باید submitted، under_review، approved یا rejected باشد."
        case .zoningCheck(let item): return Self.persianCheck(item)
        }
    }

    private static func persian(_ problem: CadastralProblem) -> String {
        let n = SentenceNumber.persian
        let d = { (value: Int) in SentenceNumber.persianDigits(String(value)) }
        switch problem {
        case .tooFewChildren: return "تفکیک دست‌کم به دو قطعه نیاز دارد."
        case .tooFewParcels: return "تجمیع دست‌کم به دو قطعهٔ متفاوت نیاز دارد."
        case .unknownParcel(let id): return "قطعه‌ای با شناسهٔ \(id) نیست."
        case .openRequest(let parcel, let request):
            return "قطعهٔ \(parcel) درخواستی باز دارد (\(d(request.rawValue)))؛ پیش از تفکیک یا تجمیع دربارهٔ آن تصمیم بگیرید."
        case .childrenOverlap(let first, let second, let area):
            return "قطعه‌های فرزند \(d(first + 1)) و \(d(second + 1)) \(n(area)) مترمربع هم‌پوشانی دارند."
        case .childNotValid(let child): return "مرز قطعهٔ فرزند \(d(child + 1)) چندضلعی معتبری نیست (خودش را قطع می‌کند؟)."
        case .childOutsideParent(let child, let area): return "قطعهٔ فرزند \(d(child + 1)) \(n(area)) مترمربع بیرون از قطعه است."
        case .parentNotCovered(let area): return "قطعه‌های فرزند \(n(area)) مترمربع از قطعه را نمی‌پوشانند."
        case .childTooSmall(let child, let area, let minimum, let zone):
            return "مساحت قطعهٔ فرزند \(d(child + 1)) \(n(area)) مترمربع است، کمتر از حداقل \(n(minimum)) مترمربع پهنهٔ \(zone)."
        case .notAdjacent: return "قطعه‌ها یکپارچه نیستند: هر کدام باید در یک ضلع با دیگری مشترک باشد."
        }
    }

    private static func persianRule(_ rule: FeatureRule) -> String {
        switch rule {
        case .geometryType(let layer, let expected):
            let noun = layer == "parcel" ? "قطعه" : layer == "zone" ? "پهنه" : "مکان خدماتی"
            return "هندسهٔ \(noun) باید \(expected) باشد."
        case .unknownZoneCode(let code, _): return "کد پهنهٔ \(code) در فهرست ضوابط نیست."
        case .noArea: return "چندضلعی مساحتی ندارد."
        case .missing(_, _, let property): return "ویژگی \(property) لازم است."
        case .floors(let property): return "\(property) باید عددی صحیح از ۰ تا ۹۹۹ باشد."
        case .notText(let property): return "\(property) باید متن یا null باشد."
        case .notAFeature(let detail): return "بدنه یک Feature معتبر GeoJSON نیست: \(detail)"
        case .idChanged: return "شناسهٔ عارضه را نمی‌توان تغییر داد."
        case .invalidID: return "شناسه باید ۱ تا ۱۰۰ نویسه باشد، بی نویسهٔ کنترلی و بی فاصله در دو سر."
        }
    }

    private static func persianUse(_ use: LandUse) -> String {
        switch use.rawValue {
        case "residential": return "مسکونی"
        case "commercial": return "تجاری"
        case "office": return "اداری"
        case "mixed": return "مختلط"
        case "green": return "فضای سبز"
        case "education": return "آموزشی"
        case "health": return "درمانی"
        case "religious": return "مذهبی"
        case "vacant": return "زمین بایر"
        case "industrial": return "صنعتی"
        default: return use.rawValue
        }
    }

    private static func persianCheck(_ item: ZoningCheckItem) -> String {
        let limit: String
        switch item.limit {
        case .number(let value): limit = SentenceNumber.persian(value)
        case .uses, .none: limit = ""
        }
        let requested: String
        switch item.requested {
        case .number(let value): requested = SentenceNumber.persian(value)
        case .use(let use): requested = persianUse(use)
        }
        switch (item.rule, item.outcome) {
        case (.use, .useAllowed): return "کاربری \(requested) در این پهنه مجاز است."
        case (.use, .useConditional): return "کاربری \(requested) در این پهنه فقط با موافقت کارشناس شهرسازی مجاز است."
        case (.use, _): return "کاربری \(requested) در این پهنه مجاز نیست."
        case (_, .noLimit): return "پهنه برای این مورد محدودیتی تعیین نکرده است."
        case (.floors, .withinLimit): return "\(requested) طبقه در حد مجاز (\(limit) طبقه) است."
        case (.floors, _): return "\(requested) طبقه از حد مجاز (\(limit) طبقه) بیشتر است."
        case (.coverage, .withinLimit): return "سطح اشغال \(requested)٪ در حد مجاز (\(limit)٪) است."
        case (.coverage, _): return "سطح اشغال \(requested)٪ از حد مجاز (\(limit)٪) بیشتر است."
        case (.density, .withinLimit): return "تراکم ساختمانی \(requested)٪ در حد مجاز (\(limit)٪) است."
        case (.density, .withinLimitAssumingMaxCoverage):
            return "با بیشینهٔ سطح اشغال پهنه، تراکم \(requested)٪ می‌شود که در حد مجاز (\(limit)٪) است."
        case (.density, .exceedsLimitAssumingMaxCoverage):
            return "با بیشینهٔ سطح اشغال پهنه، تراکم \(requested)٪ می‌شود که از حد مجاز (\(limit)٪) بیشتر است؛ با سطح اشغال کمتر شاید ممکن باشد."
        case (.density, _): return "تراکم ساختمانی \(requested)٪ از حد مجاز (\(limit)٪) بیشتر است."
        case (.minParcelArea, .parcelLargeEnough): return "مساحت قطعه (\(requested) مترمربع) از حد نصاب (\(limit) مترمربع) کمتر نیست."
        case (.minParcelArea, _): return "مساحت قطعه (\(requested) مترمربع) از حد نصاب (\(limit) مترمربع) کمتر است."
        }
    }

    static func persianExpected(_ word: String) -> String {
        switch word {
        case CQL2SyntaxError.operand: "یک ویژگی، یک مقدار یا «(»"
        case CQL2SyntaxError.number: "یک عدد"
        case CQL2SyntaxError.geometry: "یک هندسه"
        case CQL2SyntaxError.end: "پایان پالایه"
        case CQL2SyntaxError.quotedText: "متنی در گیومهٔ تکی"
        default: "«\(word)»"
        }
    }

    /// خطای پالایه با جای آن (شمارهٔ نویسه از صفر) و آنچه درست می‌بود.
    static func persian(_ error: FilterError) -> String {
        func number(_ value: Int) -> String { SentenceNumber.persianDigits(String(value)) }
        switch error {
        case .syntax(let syntax):
            let place = "filter (پالایه): در نویسهٔ \(number(syntax.offset)): "
            switch syntax.problem {
            case .unexpected(let found, let expected):
                return place + "\(found.map { "«\($0)»" } ?? "پایان پالایه") آمده است؛ انتظار می‌رفت: \(expected.map(Self.persianExpected).joined(separator: " یا "))."
            case .unterminatedString: return place + "متن یا نامی در گیومه بسته نشده است."
            case .invalidNumber(let text): return place + "«\(text)» عدد متناهی نیست."
            case .invalidGeometry(let fault):
                let reason = switch fault {
                case .shortLine: "LINESTRING دست‌کم ۲ نقطه دارد"
                case .openRing: "حلقهٔ چندضلعی بسته است و دست‌کم ۴ نقطه دارد"
                case .not2D: "تنها نقطه‌های دوبعدی (x y) پذیرفته می‌شود"
                case .bboxCount: "BBOX چهار یا شش عدد می‌گیرد"
                case .unknownType(let type): "نوع هندسهٔ «\(type)» شناخته‌شده نیست"
                }
                return place + "هندسهٔ نادرست: \(reason)."
            case .invalidJSON: return place + "JSON معتبر نیست (filter-lang=cql2-json)."
            case .invalidJSONMember(let path): return "filter (پالایه): \(path) عبارت CQL2-JSON نیست (OGC 21-065 بخش ۹)."
            case .tooDeep(let limit): return "filter (پالایه): بیش از \(number(limit)) سطح تودرتو است."
            case .tooManyNodes(let limit): return "filter (پالایه): بیش از \(number(limit)) جزء دارد."
            case .tooManyPositions(let limit): return "filter (پالایه): هندسه‌ها روی هم بیش از \(number(limit)) نقطه دارند."
            case .tooLong(let limit): return "filter (پالایه): بلندتر از \(number(limit)) بایت است."
            }
        case .unknownProperty(let name, let queryables):
            return "filter (پالایه): ویژگی «\(name)» شناخته‌شده نیست. ویژگی‌های پرس‌وجوپذیر: \(queryables.joined(separator: "، "))."
        case .typeMismatch(let op, let found):
            return "filter (پالایه): \(op) عملوندهایی از نوع \(found.joined(separator: "، ")) نمی‌پذیرد."
        case .unsupported(let name):
            return "filter (پالایه): \(name) در این کارساز پشتیبانی نمی‌شود (نگاه کنید به /conformance)."
        case .invalidLiteral(let what):
            return "filter (پالایه): \(what) معتبر نیست (بیرون از دستگاه مختصات پالایه یا زمانی نادرست)."
        case .mixedDimensions(let op):
            return "filter (پالایه): \(op) هندسه‌ای از یک گونه (نقطه، خط یا چندضلعی) می‌پذیرد، نه GEOMETRYCOLLECTION آمیخته‌ای از آن‌ها."
        }
    }
}

