extension Message {
    var persian: String {
        switch self {
        case .noSuchPath: return "در این نشانی منبعی وجود ندارد."
        case .methodNotAllowed: return "این روش برای این منبع مجاز نیست."
        case .bodyTooLarge: return "بدنهٔ درخواست بیش از حد بزرگ است."
        case .badRequest: return "درخواست معتبر نیست."
        case .internalError: return "سرور نتوانست به این درخواست پاسخ دهد. لطفاً بعداً دوباره تلاش کنید."
        case .invalidDataset: return "مجموعه‌داده معتبر نیست."
        case .invalidBoundingBox: return "bbox باید ۴ (یا ۶) عدد متناهی جداشده با ویرگول باشد، هر کمینه بزرگ‌تر از بیشینهٔ خود نباشد و در محدودهٔ دستگاه مختصات باشد."
        case .invalidLimit: return "limit باید عددی صحیح و دست‌کم ۱ باشد."
        case .invalidOffset: return "offset باید عددی صحیح و دست‌کم ۰ باشد."
        case .invalidDatetime: return "datetime باید تاریخ‌وزمان RFC 3339 یا بازه‌ای از آن (آغاز/پایان، با '..' برای سرِ باز) باشد."
        case .invalidFormat: return "f باید json یا html باشد."
        case .invalidFilterValue: return "این ویژگی عدد صحیح می‌پذیرد."
        case .unknownQueryParameter: return "این پارامتر پرس‌وجو برای این منبع تعریف نشده است (نگاه کنید به ‎/api)."
        case .unknownCollection: return "مجموعه‌ای با این شناسه وجود ندارد."
        case .unknownFeature: return "عارضه‌ای با این شناسه در این مجموعه وجود ندارد."
        case .unknownCRS: return "این دستگاه مختصات پشتیبانی نمی‌شود (فهرست crs مجموعه را ببینید)."
        case .outsideCRSDomain: return "این مختصات را نمی‌توان در این دستگاه مختصات بیان کرد."
        case .ogcServiceTitle: return "سامانهٔ اطلاعات زمینِ زمین"
        case .ogcServiceDescription: return "قطعه‌ها، پهنه‌ها و خدمات شهری به‌صورت OGC API – Features."
        case .ogcConformanceTitle: return "کلاس‌های انطباق"
        case .ogcCollectionsTitle: return "مجموعه‌ها"
        case .ogcParcelsTitle: return "قطعه‌های زمین"
        case .ogcZonesTitle: return "پهنه‌های کاربری"
        case .ogcFacilitiesTitle: return "خدمات شهری"
        }
    }
}
